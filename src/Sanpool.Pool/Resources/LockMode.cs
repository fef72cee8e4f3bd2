namespace Sanpool.Pool.Resources;

/// <summary>How a claim holds a resource: many shared holders at once, or one exclusive holder.</summary>
public enum LockMode
{
    /// <summary>Reads it (the source of a copy, a template under a new image, an extension of one of its volumes).</summary>
    Shared,

    /// <summary>Changes it (a snapshot, a merge, a delete, the new image of a copy).</summary>
    Exclusive,
}
