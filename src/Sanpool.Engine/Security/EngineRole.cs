namespace Sanpool.Engine.Security;

/// <summary>
/// What a user may do. Stored and sent as "admin" and "readonly" (the JSON enum policy writes
/// members in lower case, and the engine_users.role column holds the same text).
/// </summary>
public enum EngineRole
{
    /// <summary>Everything.</summary>
    Admin,

    /// <summary>GET only.</summary>
    Readonly,
}
