using Sanpool.Nbd;

namespace Sanpool.Pool.Serving;

/// <summary>Where prepared volumes are published to qemu: this host's NBD server.</summary>
public interface IExportTable
{
    /// <summary>The unix socket clients connect to.</summary>
    string SocketPath { get; }

    void Add(INbdExport export);

    /// <summary>Unpublishes the export and closes its clients' connections.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken);
}
