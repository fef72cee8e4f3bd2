namespace Sanpool.Engine.Model;

/// <summary>What an engine user may do; <c>engine_users.role</c> stores 'admin' or 'readonly' (see <see cref="EngineRoles"/>).</summary>
public enum EngineRole
{
    Admin,
    ReadOnly,
}
