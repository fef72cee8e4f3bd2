using System.Collections.Concurrent;
using Sanpool.Pool.Mailbox;

namespace Sanpool.Pool.Tests.Mailbox;

/// <summary>
/// A mail handler that records every call. By default it "extends" to the requested size; set
/// <see cref="Answer"/> to fail (return 0) or to answer bigger, and <see cref="Gate"/> to hold
/// calls until the test opens it.
/// </summary>
internal sealed class RecordingHandler : IMailHandler
{
    public ConcurrentQueue<(int HostId, ExtendRequest Request)> Calls { get; } = new();

    public Func<int, ExtendRequest, long> Answer { get; set; } = (_, r) => r.NewSizeMiB;

    public TaskCompletionSource? Gate { get; set; }

    public int CallsFor(int hostId, Guid volume) => Calls.Count(c => c.HostId == hostId && c.Request.Volume == volume);

    public async Task<long> ExtendAsync(int hostId, ExtendRequest request, CancellationToken cancellationToken)
    {
        Calls.Enqueue((hostId, request));
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return Answer(hostId, request);
    }
}
