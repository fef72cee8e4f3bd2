using Sanpool.Api.Client;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Sanpool.Core;

namespace Sanpool.Agent.Api;

/// <summary>
/// Lets a request through when it came over the unix socket, or carries
/// <c>Authorization: Bearer &lt;token&gt;</c> with the agent's token; otherwise UNAUTHORIZED (401),
/// before routing, so an unauthenticated caller learns nothing of the verbs.
/// <para>
/// The comparison takes the same time whatever was sent: both tokens are hashed (SHA-256) to 32
/// bytes and the digests compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so
/// neither the position of the first wrong byte nor the token's length shows in the timing.
/// </para>
/// </summary>
internal sealed class BearerTokenCheck
{
    private const string Scheme = "Bearer ";
    private readonly byte[]? _tokenDigest;

    public BearerTokenCheck(string? token) =>
        _tokenDigest = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        if (http.Features.Get<UnixSocketConnection>() is null)
        {
            Check(http.Request.Headers.Authorization);
        }

        return next(http);
    }

    private void Check(Microsoft.Extensions.Primitives.StringValues authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { } header
            || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new SanpoolException(AgentErrors.Unauthorized, "a TCP request needs one header 'Authorization: Bearer <token>'");
        }

        var sent = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        if (_tokenDigest is null || !CryptographicOperations.FixedTimeEquals(sent, _tokenDigest))
        {
            throw new SanpoolException(AgentErrors.Unauthorized, "the bearer token is not this agent's");
        }
    }
}
