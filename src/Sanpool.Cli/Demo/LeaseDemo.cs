using System.Diagnostics;
using Sanpool.BlockIO;
using Sanpool.Leases;
using Sanpool.Leases.OnDisk;
using Spectre.Console;

namespace Sanpool.Cli.Demo;

/// <summary>
/// The main job for now: a loop-device LUN shared by several hosts, each a real
/// <c>sanpool leased</c> process; one lockspace, one resource ("SDM", where the SPM lease
/// lives) changing hands between them; then the holder's host crashes (kill -9) and another
/// host takes the resource over once, and only once, the formulas allow it.
/// </summary>
internal sealed class LeaseDemo(DemoOptions options)
{
    private const string Lockspace = "demo";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = Directory.CreateDirectory(Path.Combine(options.WorkDir, $"run-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}")).FullName;
        AnsiConsole.MarkupLine($"[bold]Sanpool lease demo[/]: {options.Hosts} hosts, io_timeout {options.IoTimeout} s, work dir {work}");
        try
        {
            return await RunInAsync(work, cancellationToken);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<int> RunInAsync(string work, CancellationToken cancellationToken)
    {
        await using var lun = await LoopDevice.CreateAsync(work, 4L * LeaseGeometry.MiB, 512, cancellationToken);
        var hosts = Enumerable.Range(1, options.Hosts).Select(i => new DemoHost(i, work)).ToList();
        try
        {
            await FormatAsync(lun.Path, cancellationToken);
            string resource = $"{Lockspace}:SDM:{lun.Path}:{LeaseGeometry.MiB}";
            await StartHostsAsync(hosts, lun.Path, cancellationToken);
            using var watch = new LeaderWatch(lun.Path, hosts);
            var watching = watch.RunAsync(cancellationToken);
            await ChangeHandsAsync(hosts, resource, cancellationToken);
            if (options.Crash)
            {
                await CrashAndTakeOverAsync(hosts, resource, cancellationToken);
            }

            await watch.StopAsync(watching);
            AnsiConsole.Write(new Rule("sanpool lease dump " + lun.Path));
            await using var device = DirectBlockDevice.Open(lun.Path, readOnly: true);
            await LeaseDump.RunAsync(device, 0, 0, 0, null, Console.Out, TimeSpan.FromSeconds(10), cancellationToken);
            return 0;
        }
        finally
        {
            foreach (var h in hosts)
            {
                await h.DisposeAsync();
            }

            AnsiConsole.MarkupLine($"stopped {hosts.Count} lease daemons; detaching {lun.Path}");
        }
    }

    private async Task FormatAsync(string device, CancellationToken cancellationToken)
    {
        await using var dev = DirectBlockDevice.Open(device);
        var g = LeaseGeometry.Default512;
        var io = TimeSpan.FromSeconds(options.IoTimeout);
        await DeltaLease.InitAsync(new LeaseDisk(dev, 0, g, io), Lockspace, options.IoTimeout, cancellationToken);
        await PaxosLease.InitAsync(new LeaseDisk(dev, LeaseGeometry.MiB, g, io), Lockspace, "SDM", null, cancellationToken);
        AnsiConsole.MarkupLine($"formatted lockspace [blue]{Lockspace}[/] at {device}:0 and resource [blue]SDM[/] at {device}:{LeaseGeometry.MiB}");
    }

    private async Task StartHostsAsync(List<DemoHost> hosts, string device, CancellationToken cancellationToken)
    {
        await Task.WhenAll(hosts.Select(h => h.StartAsync(cancellationToken)));
        var sw = Stopwatch.StartNew();
        var joins = await Task.WhenAll(hosts.Select(h => h.JoinAsync($"{Lockspace}:{h.HostId}:{device}:0", options.IoTimeout, cancellationToken)));
        if (joins.Any(rc => rc != 0))
        {
            throw new InvalidOperationException("a host could not join the lockspace; see its leased.log");
        }

        AnsiConsole.MarkupLine($"{hosts.Count} hosts joined lockspace {Lockspace} in {sw.Elapsed.TotalSeconds:0.0} s (the delta lease's 2 x io_timeout wait)");
    }

    /// <summary>Every host keeps trying to hold the resource for a moment; it changes hands.</summary>
    private async Task ChangeHandsAsync(List<DemoHost> hosts, string resource, CancellationToken cancellationToken)
    {
        AnsiConsole.Write(new Rule($"{hosts.Count} hosts contend for SDM, {options.Rounds} holds in all"));
        int held = 0;
        await Task.WhenAll(hosts.Select(h => Task.Run(async () =>
        {
            while (Volatile.Read(ref held) < options.Rounds)
            {
                if (await h.HoldAsync(resource, 0.5, cancellationToken))
                {
                    Interlocked.Increment(ref held);
                }

                await Task.Delay(Random.Shared.Next(100, 400), cancellationToken);
            }
        }, cancellationToken)));
    }

    private async Task CrashAndTakeOverAsync(List<DemoHost> hosts, string resource, CancellationToken cancellationToken)
    {
        var victim = hosts[0];
        var timeouts = new LeaseTimeouts(options.IoTimeout);
        AnsiConsole.Write(new Rule($"{victim.Name} holds SDM and crashes (kill -9 of its lease daemon)"));
        var holding = victim.HoldAsync(resource, 3600, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(options.IoTimeout * 3), cancellationToken);
        victim.Crash();
        var crashed = Stopwatch.StartNew();
        await holding;
        AnsiConsole.MarkupLine($"others may take SDM only after host_dead = 8 x io_timeout + 60 = {timeouts.HostDead.TotalSeconds} s without renewals");
        var others = hosts.Skip(1).ToList();
        var taken = await AnsiConsole.Status().StartAsync("waiting for a takeover", async ctx =>
        {
            while (true)
            {
                foreach (var h in others)
                {
                    ctx.Status($"{h.Name} is acquiring SDM ({crashed.Elapsed.TotalSeconds:0} s after the crash): its daemon waits until {victim.Name} has been silent for host_dead");
                    if (await h.HoldAsync(resource, 1, cancellationToken))
                    {
                        return (Host: h, After: crashed.Elapsed);
                    }
                }

                await Task.Delay(500, cancellationToken);
            }
        });
        AnsiConsole.MarkupLine($"[green]{taken.Host.Name} took SDM over {taken.After.TotalSeconds:0.0} s after the crash[/] (bound {timeouts.HostDead.TotalSeconds} s after the last renewal)");
    }
}
