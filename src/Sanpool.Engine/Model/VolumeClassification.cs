namespace Sanpool.Engine.Model;

/// <summary><c>images.volume_classification</c>: Volume for the active leaf, Snapshot for the volumes below it.</summary>
public enum VolumeClassification
{
    Volume = 0,
    Snapshot = 1,
    Invalid = 2,
}
