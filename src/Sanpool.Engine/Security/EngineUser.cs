namespace Sanpool.Engine.Security;

/// <summary>One row of engine_users: a login of the engine's API.</summary>
/// <param name="UserId">engine_users.user_id.</param>
/// <param name="Name">engine_users.name, unique.</param>
/// <param name="PasswordHash">engine_users.password_hash, in <see cref="PasswordHasher"/>'s format.</param>
/// <param name="Role">engine_users.role: "admin" or "readonly".</param>
/// <param name="Created">engine_users.created.</param>
public sealed record EngineUser(Guid UserId, string Name, string PasswordHash, EngineRole Role, DateTimeOffset Created);
