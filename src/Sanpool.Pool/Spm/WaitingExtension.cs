namespace Sanpool.Pool.Spm;

/// <summary>An extension the SPM could not make for lack of space in the domain; it is made once a LUN is added.</summary>
public sealed record WaitingExtension(int HostId, Guid Domain, Guid Volume, long SizeMiB, DateTimeOffset Since);
