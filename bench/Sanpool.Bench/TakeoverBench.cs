using Sanpool.Core;
using Sanpool.LeaseDaemon.Client;
using Sanpool.Leases;

namespace Sanpool.Bench;

/// <summary>
/// How long a resource stays unavailable after its holder's host dies (kill -9 of the
/// daemon and of the holding process), against the bound host_dead = 8 x io_timeout + 60:
/// a host that is going to take it over tries until it gets it, and the time is measured
/// from the dead host's last renewal of its host id.
/// </summary>
internal sealed class TakeoverBench(BenchLayout layout, BenchOptions options, string workDir)
{
    private static readonly TimeSpan HeldTimeout = TimeSpan.FromSeconds(60);

    private int HostDead => (8 * options.Io) + 60;

    private static double Now => MonotonicClock.System.Now.TotalSeconds;

    /// <summary>A `sanpool leased` holds through `lease command`; the Sanpool daemon <paramref name="taker"/> takes over.</summary>
    public async Task<TakeoverResult> SanpoolAsync(string cli, SanpoolHost taker)
    {
        string spec = layout.ResourceSpec("takeover-sanpool");
        await using var victim = await SanpoolHost.StartAsync(cli, "bench-victim-sp", Path.Combine(workDir, "run-victim-sp"));
        await victim.AddLockspaceAsync(layout.LockspaceSpec(BenchLayout.SanpoolVictimHostId), options.Io);
        var holder = victim.StartCommand(spec, "/bin/sleep", "3600");
        await WaitHeldAsync(holder);

        await using var client = await LeaseDaemonClient.ConnectAsync(taker.RunDir, CancellationToken.None);
        await client.RegisterAsync(null, CancellationToken.None);
        string? refusal = null;
        try
        {
            await client.AcquireAsync([spec], null, CancellationToken.None);
            throw new InvalidOperationException("the Sanpool daemon acquired a resource a live host holds");
        }
        catch (SanpoolException e)
        {
            refusal = e.Code.ToString();
        }

        return await KillAndTakeAsync(BenchLayout.SanpoolVictimHostId, "Sanpool (`sanpool leased` + `lease command`)", "Sanpool daemon",
            async () => { await victim.KillNowAsync(); await holder.KillNowAsync(); },
            async () =>
            {
                try
                {
                    await client.AcquireAsync([spec], null, CancellationToken.None);
                    return null;
                }
                catch (SanpoolException e)
                {
                    return e.Code.Name;
                }
            },
            refusal);
    }

    /// <summary>The anchor: a real sanlock daemon holds through `client command`; the sanlock daemon behind <paramref name="sock"/> takes over.</summary>
    public async Task<TakeoverResult> SanlockAsync(int sock)
    {
        string spec = layout.ResourceSpec("takeover-sanlock");
        await using var victim = await SanlockHost.StartAsync("bench-victim-sl", Path.Combine(workDir, "run-victim-sl"));
        await victim.AddLockspaceAsync(layout.LockspaceSpec(BenchLayout.SanlockVictimHostId), options.Io);
        var holder = victim.StartCommand(spec, "/bin/sleep", "3600");
        await WaitHeldAsync(holder);

        using var resource = new SanlkResource(BenchLayout.Lockspace, "takeover-sanlock", layout.Path, BenchLayout.Offset("takeover-sanlock"));
        int refused = await Task.Run(() => LibSanlock.Acquire(sock, resource));
        if (refused == 0)
        {
            throw new InvalidOperationException("sanlock acquired a resource a live host holds");
        }

        return await KillAndTakeAsync(BenchLayout.SanlockVictimHostId, "sanlock 3.8.5 (`client command`)", "sanlock daemon (libsanlock)",
            async () => { await victim.KillNowAsync(); await holder.KillNowAsync(); },
            () => Task.Factory.StartNew(
                () => LibSanlock.Acquire(sock, resource) is var rv && rv == 0 ? null : rv.ToString(System.Globalization.CultureInfo.InvariantCulture),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default),
            refused.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<TakeoverResult> KillAndTakeAsync(int victimHostId, string holderName, string takerName,
        Func<Task> kill, Func<Task<string?>> tryAcquire, string? refusal)
    {
        await using var watch = RenewalWatch.Start(layout, victimHostId, options.Io);
        while (watch.Renewals < 2)
        {
            await Task.Delay(100); // one renewal seen after the watch began, so its time is precise
        }

        double killedAt = Now;
        await kill();
        double deadline = killedAt + HostDead + 60;
        int attempts = 0;
        var failures = new SortedDictionary<string, int>(StringComparer.Ordinal);
        double lastFailure = 0;
        while (true)
        {
            attempts++;
            string? failure = await tryAcquire();
            if (failure is null)
            {
                double at = Now;
                double last = watch.LastRenewal.TotalSeconds;
                string failed = string.Join(", ", failures.Select(f => $"{f.Key} x{f.Value}"))
                                + (lastFailure > 0 ? $" (last {lastFailure - killedAt:0.0} s after the kill)" : "");
                return new TakeoverResult(holderName, takerName, at - last, at - killedAt, HostDead, attempts, refusal, failed.Length == 0 ? "-" : failed);
            }

            failures[failure] = failures.GetValueOrDefault(failure) + 1;
            lastFailure = Now;

            if (Now > deadline)
            {
                throw new TimeoutException($"{takerName} did not take over from {holderName} within {HostDead + 60} s of the kill");
            }

            await Task.Delay(100);
        }
    }

    private static async Task WaitHeldAsync(ExternalProcess holder)
    {
        var deadline = MonotonicClock.System.Now + HeldTimeout;
        while (holder.Comm != "sleep")
        {
            if (holder.Process.HasExited || MonotonicClock.System.Now > deadline)
            {
                throw new InvalidOperationException($"the holder could not acquire: {holder.Output}");
            }

            await Task.Delay(20);
        }
    }
}
