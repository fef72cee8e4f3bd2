namespace Sanpool.Storage.Volumes;

/// <summary>A domain's capacity and what is still free for volumes, in bytes (block: the VG; file: the file system).</summary>
public sealed record DomainSpace(long Total, long Free);
