namespace Sanpool.Bench;

/// <summary>
/// Where the served file lives and how both servers open it: on tmpfs through the page cache
/// (measures the servers themselves: protocol, copies, scheduling), or on the ext4 of /tmp with
/// O_DIRECT (measures them in front of real storage, as volumes are served).
/// </summary>
internal sealed record NbdBacking(string Name, string Directory, bool Direct)
{
    /// <summary>qemu-nbd's cache and aio modes for the same kind of access.</summary>
    public string[] QemuNbdModes => Direct ? ["--cache=none", "--aio=native"] : ["--cache=writeback", "--aio=threads"];
}
