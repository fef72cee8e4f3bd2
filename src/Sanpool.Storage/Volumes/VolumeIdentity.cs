namespace Sanpool.Storage.Volumes;

/// <summary>Which volume: its domain, its image (disk) and its own UUID.</summary>
public sealed record VolumeIdentity(Guid Domain, Guid Image, Guid Volume)
{
    public override string ToString() => $"{Domain}/{Image}/{Volume}";
}
