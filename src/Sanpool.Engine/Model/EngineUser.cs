namespace Sanpool.Engine.Model;

/// <summary>A row of <c>engine_users</c> (Sanpool's own): someone who may log in.</summary>
/// <param name="PasswordHash">The password's hash in its self-describing text form; never the password.</param>
public sealed record EngineUser(Guid UserId, string Name, string PasswordHash, EngineRole Role, DateTimeOffset Created);
