namespace Sanpool.Pool.Resources;

/// <summary>
/// One owner's claim on a set of resources (<see cref="ResourceManager"/>): queued when made,
/// granted all at once, released by <see cref="Dispose"/>. Disposing a claim that still waits
/// takes it out of the queue.
/// </summary>
public sealed class ResourceClaim : IDisposable
{
    private readonly ResourceManager _manager;
    private readonly TaskCompletionSource _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    internal ResourceClaim(ResourceManager manager, string owner, IReadOnlyList<ResourceRequest> requests)
    {
        _manager = manager;
        Owner = owner;
        Requests = requests;
    }

    /// <summary>Who holds or waits ("task T (snapshot.create)"): named in the messages of those it blocks.</summary>
    public string Owner { get; }

    /// <summary>What it asks for, in the global order.</summary>
    public IReadOnlyList<ResourceRequest> Requests { get; }

    public bool IsGranted => _granted.Task.IsCompletedSuccessfully;

    /// <summary>While it waits: the first resource in its way and who holds it, or who is queued ahead for it.</summary>
    public string? WaitingFor => IsGranted ? null : _manager.WaitingFor(this);

    /// <summary>Waits until granted; if <paramref name="cancellationToken"/> fires first, the claim leaves the queue.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _granted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Dispose();
            throw;
        }
    }

    internal void Grant() => _granted.TrySetResult();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _manager.Release(this);
        }
    }

    public override string ToString() => $"{Owner}: {string.Join(", ", Requests)}";
}
