using Microsoft.AspNetCore.Authorization;

namespace Sanpool.Engine.Security;

/// <summary>Met by an admin for any method, by anyone logged in for GET and HEAD (<see cref="WriteNeedsAdminHandler"/>).</summary>
public sealed class WriteNeedsAdminRequirement : IAuthorizationRequirement;
