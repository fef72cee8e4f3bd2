using System.Text.Json.Serialization;

namespace Sanpool.Engine.Model;

/// <summary>
/// What an engine user may do; <c>engine_users.role</c> stores 'admin' or 'readonly' (see
/// <see cref="EngineRoles"/>), and the API's JSON says the same words.
/// </summary>
public enum EngineRole
{
    [JsonStringEnumMemberName(EngineRoles.AdminText)]
    Admin,

    [JsonStringEnumMemberName(EngineRoles.ReadOnlyText)]
    ReadOnly,
}
