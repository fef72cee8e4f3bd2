namespace Sanpool.Pool;

/// <summary>
/// An auto-reset signal with a timed wait: a poll loop sleeps on it for its current period, and
/// a hint (<c>Wake()</c>) cuts the sleep short. A hint given while nobody waits is kept, so the
/// next wait returns at once instead of losing it.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Lock _lock = new();
    private bool _set;
    private TaskCompletionSource _waiter = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set()
    {
        lock (_lock)
        {
            _set = true;
            _waiter.TrySetResult();
        }
    }

    /// <summary>Waits for a hint or <paramref name="timeout"/>; true when hinted.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task hinted;
        lock (_lock)
        {
            if (TryConsume())
            {
                return true;
            }

            hinted = _waiter.Task;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, time, stop.Token);
        await Task.WhenAny(hinted, delay).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return TryConsume();
        }
    }

    private bool TryConsume()
    {
        if (!_set)
        {
            return false;
        }

        _set = false;
        _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return true;
    }
}
