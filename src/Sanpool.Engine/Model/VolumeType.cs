namespace Sanpool.Engine.Model;

/// <summary><c>images.volume_type</c>; the engine's values.</summary>
public enum VolumeType
{
    Preallocated = 1,
    Sparse = 2,
}
