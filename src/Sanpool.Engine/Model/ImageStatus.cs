namespace Sanpool.Engine.Model;

/// <summary><c>images.imagestatus</c>; the engine's values.</summary>
public enum ImageStatus
{
    Unassigned = 0,
    OK = 1,

    /// <summary>A command works on the volume.</summary>
    LOCKED = 2,

    /// <summary>The volume's content is not trusted (a failed merge, say).</summary>
    ILLEGAL = 4,
}
