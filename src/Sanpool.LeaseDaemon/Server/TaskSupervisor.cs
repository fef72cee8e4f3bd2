using Microsoft.Extensions.Logging;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// Owns the daemon's background work (the accept loop, connections, the holder monitor,
/// fencing): runs each piece, logs what fails, and lets shutdown wait for all of it.
/// </summary>
internal sealed class TaskSupervisor(ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _tasks = [];

    public void Run(string what, Func<Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Shutdown.
            }
#pragma warning disable CA1031 // A background task's failure is logged, never allowed to take the daemon down.
            catch (Exception e)
#pragma warning restore CA1031
            {
                DaemonLog.BackgroundFailed(logger, what, e);
            }
        });
        lock (_lock)
        {
            _tasks.Add(task);
        }

        _ = task.ContinueWith(t => { lock (_lock) { _tasks.Remove(t); } }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits until every task, including those started meanwhile, has ended.</summary>
    public async Task WhenAllAsync()
    {
        while (true)
        {
            Task[] running;
            lock (_lock)
            {
                running = [.. _tasks];
            }

            if (running.Length == 0)
            {
                return;
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }
}
