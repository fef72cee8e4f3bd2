namespace Sanpool.Pool.Spm;

/// <summary>An LV the SPM grew for a host: from and to, in bytes, and how long lvextend took with its checks.</summary>
public sealed record ExtensionDone(int HostId, Guid Domain, Guid Volume, long FromBytes, long ToBytes, TimeSpan Took);
