namespace Sanpool.Engine.Security;

/// <summary>The text of each <see cref="EngineRole"/>, as in engine_users.role and the role claim.</summary>
public static class EngineRoles
{
    public const string Admin = "admin";
    public const string Readonly = "readonly";

    public static string Name(EngineRole role) => role switch
    {
        EngineRole.Admin => Admin,
        EngineRole.Readonly => Readonly,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role"),
    };

    /// <summary>"admin" or "readonly" (exactly); null for anything else.</summary>
    public static EngineRole? Parse(string? text) => text switch
    {
        Admin => EngineRole.Admin,
        Readonly => EngineRole.Readonly,
        _ => null,
    };
}
