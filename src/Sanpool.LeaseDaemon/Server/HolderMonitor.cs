using Sanpool.LeaseDaemon.Native;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// Watches every client that holds resources: a process that stays stopped (SIGSTOP, a
/// debugger) longer than the threshold, or that promised heartbeats and falls silent for the
/// interval plus the threshold, is frozen while holding leases, and is fenced with SIGKILL.
/// The default threshold is 2 x io_timeout: a frozen holder is dead long before anyone could
/// take its leases (they are only released after it dies, and host_dead is 8 io + 60 away).
/// </summary>
internal sealed class HolderMonitor(DaemonServices s)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await s.Delay(s.Options.MonitorInterval, cancellationToken).ConfigureAwait(false);
            foreach (var client in s.Clients.All())
            {
                await CheckAsync(client, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CheckAsync(RegisteredClient client, CancellationToken cancellationToken)
    {
        var leases = client.Leases();
        if (leases.Count == 0 || client.IsClosed || client.FenceNow)
        {
            client.StoppedSince = null;
            return;
        }

        var threshold = s.Options.StoppedHolderThreshold
            ?? TimeSpan.FromSeconds(2 * leases.Min(l => l.Lockspace.Timeouts.IoTimeoutSeconds));
        var p = (await ProcessInspector.ReadAsync(client.Pid, cancellationToken).ConfigureAwait(false)).For(client.StartTime);
        var now = s.Now;
        if (p.State == ProcessState.Stopped)
        {
            client.StoppedSince ??= now;
            var stopped = now - client.StoppedSince.Value;
            if (stopped > threshold)
            {
                DaemonLog.HolderStopped(s.Logger, s.HostName, client.Pid, stopped.TotalSeconds, threshold.TotalSeconds);
                s.Fencer.Fence(client, $"stopped for {stopped.TotalSeconds:0.0} s", now: true);
            }

            return;
        }

        client.StoppedSince = null;
        if (client.HeartbeatInterval is { } interval && !client.IsBusy)
        {
            var silent = now - client.LastHeard;
            if (silent > interval + threshold)
            {
                DaemonLog.HeartbeatMissed(s.Logger, s.HostName, client.Pid, silent.TotalSeconds, interval.TotalSeconds, threshold.TotalSeconds);
                s.Fencer.Fence(client, $"no heartbeat for {silent.TotalSeconds:0.0} s", now: true);
            }
        }
    }
}
