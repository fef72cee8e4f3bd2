namespace Sanpool.Engine.Model;

/// <summary><c>snapshots.status</c>, stored as its name, as the engine does.</summary>
public enum SnapshotStatus
{
    OK,
    LOCKED,
    IN_PREVIEW,
}
