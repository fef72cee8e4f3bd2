using Sanpool.Core;

namespace Sanpool.Engine.Model;

/// <summary>The text <c>engine_users.role</c> holds for each <see cref="EngineRole"/>.</summary>
public static class EngineRoles
{
    public const string AdminText = "admin";
    public const string ReadOnlyText = "readonly";

    public static string ToText(EngineRole role) => role switch
    {
        EngineRole.Admin => AdminText,
        EngineRole.ReadOnly => ReadOnlyText,
        _ => throw CommonErrors.Invalid($"unknown role {role}"),
    };

    public static EngineRole Parse(string text) => text switch
    {
        AdminText => EngineRole.Admin,
        ReadOnlyText => EngineRole.ReadOnly,
        _ => throw CommonErrors.Invalid($"unknown role '{text}' (admin or readonly)"),
    };

    /// <summary>The role named by <paramref name="text"/>, or null if it names none (for input to refuse with its own error).</summary>
    public static EngineRole? TryParse(string? text) => text switch
    {
        AdminText => EngineRole.Admin,
        ReadOnlyText => EngineRole.ReadOnly,
        _ => null,
    };
}
