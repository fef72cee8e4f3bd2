using Sanpool.Core;

namespace Sanpool.Nbd;

/// <summary>NBD server codes, band -820 .. -839 (the NBD data path of issue 5).</summary>
public static class NbdErrors
{
    /// <summary>The unix socket cannot be created or bound.</summary>
    public static readonly ErrorCode ListenFailed = new(-820, "NBD_LISTEN_FAILED");

    /// <summary>An export of that name is already served.</summary>
    public static readonly ErrorCode ExportExists = new(-821, "NBD_EXPORT_EXISTS");

    /// <summary>An export's shape cannot be served (bad name, size or block size).</summary>
    public static readonly ErrorCode BadExport = new(-822, "NBD_BAD_EXPORT");

    /// <summary>A file to export cannot be opened.</summary>
    public static readonly ErrorCode OpenFailed = new(-823, "NBD_OPEN_FAILED");
}
