using System.Net.Http.Headers;

namespace Sanpool.Agent.Tests.Api;

/// <summary>One generated request: where it goes, and everything a client could get wrong in it.</summary>
internal sealed record FuzzRequest(string Transport, string? Authorization, string Method, string Path, byte[]? Body, string? ContentType)
{
    public const string Unix = "unix";
    public const string Tcp = "tcp";

    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(Path, UriKind.Relative));
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        if (Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", Authorization);
        }

        return message;
    }

    /// <summary>What a failure message shows, to replay the request by hand.</summary>
    public override string ToString()
    {
        string body = Body is null ? "none" : $"{Body.Length} bytes: {Convert.ToHexString(Body.AsSpan(0, Math.Min(Body.Length, 96)))}";
        return $"{Transport} {Method} /{Path} auth={Authorization ?? "none"} type={ContentType ?? "none"} body={body}";
    }
}
