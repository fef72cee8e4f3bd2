namespace Sanpool.DataPath;

/// <summary>fuse_init_in/out.flags bits Sanpool may negotiate (include/uapi/linux/fuse.h).</summary>
[Flags]
internal enum FuseInitFlags : uint
{
    None = 0,

    /// <summary>Reads of one file may be in flight at once; the server takes no lock for reads.</summary>
    AsyncRead = 1u << 0,

    /// <summary>Writes larger than one page.</summary>
    BigWrites = 1u << 5,

    /// <summary>The kernel may split one direct I/O into requests sent in parallel.</summary>
    AsyncDio = 1u << 15,

    /// <summary>init_out.max_pages is set, so a request may carry <see cref="FuseServer.MaxWrite"/> bytes (default is 32 pages).</summary>
    MaxPages = 1u << 22,
}
