namespace Sanpool.Engine.Web.Dtos;

/// <summary>PUT /api/users/me/password: the current password and the new one.</summary>
public sealed record ChangePasswordRequest(string? Password, string? NewPassword);
