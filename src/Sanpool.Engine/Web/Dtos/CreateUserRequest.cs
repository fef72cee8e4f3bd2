namespace Sanpool.Engine.Web.Dtos;

/// <summary>POST /api/users: a new user's name (1-64 of letters, digits, . _ - @), password (8-1024 characters) and role ("admin" or "readonly").</summary>
public sealed record CreateUserRequest(string? Name, string? Password, string? Role);
