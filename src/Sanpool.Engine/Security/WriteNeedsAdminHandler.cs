using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Security;

/// <summary>The read-only role: GET and HEAD; everything else needs an admin.</summary>
internal sealed class WriteNeedsAdminHandler : AuthorizationHandler<WriteNeedsAdminRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, WriteNeedsAdminRequirement requirement)
    {
        // With endpoint routing the resource is the request's HttpContext, matched or not.
        string? method = (context.Resource as HttpContext)?.Request.Method;
        if (context.User.IsInRole(EngineRoles.AdminText) || (method is not null && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
