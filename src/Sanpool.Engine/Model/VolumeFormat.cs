namespace Sanpool.Engine.Model;

/// <summary><c>images.volume_format</c>; the engine's values.</summary>
public enum VolumeFormat
{
    COW = 4,
    RAW = 5,
}
