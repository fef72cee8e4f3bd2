namespace Sanpool.Engine.Tests.Cli;

/// <summary>Notes each request on its way to the test server.</summary>
internal sealed class Recorder(System.Collections.Concurrent.ConcurrentQueue<string> requests, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        requests.Enqueue($"{request.Method} {request.RequestUri!.PathAndQuery}");
        return base.SendAsync(request, cancellationToken);
    }
}
