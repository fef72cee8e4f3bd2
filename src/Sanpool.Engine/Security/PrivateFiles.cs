namespace Sanpool.Engine.Security;

/// <summary>
/// Files and directories only the engine's user may read: keys 0600, their directory 0700.
/// The engine runs on Linux; elsewhere the modes are left to the platform.
/// </summary>
internal static class PrivateFiles
{
    public const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode OwnerAll = OwnerReadWrite | UnixFileMode.UserExecute;
    public const UnixFileMode WorldReadable = OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Makes <paramref name="path"/> (mode 0700 when it is new).</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerAll);
        }
    }

    /// <summary>Options that create a new file with <paramref name="mode"/>.</summary>
    public static FileStreamOptions CreateNew(UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        return options;
    }

    /// <summary>Takes group and other permissions off <paramref name="path"/> if it has any.</summary>
    public static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerReadWrite) != 0)
        {
            File.SetUnixFileMode(path, OwnerReadWrite);
        }
    }
}
