using System.Diagnostics;
using Sanpool.DataPath;
using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// The extension round trip as the agent runs it, split into its parts. Each requesting host
/// serves its own LV through an <see cref="LvExport"/> (the NBD data path's map of the LV);
/// in every round all hosts ask at once for one extent more than their export maps, the SPM's
/// handler runs the real <c>lvextend</c>, and each host, once its reply is read, refreshes its
/// export (<see cref="LvExport.RefreshAsync"/>: <c>lvs</c> of the LV and <c>pvs</c>, as the thin
/// monitor does after every reply). Hints are wired as in the agent. Per request:
/// <code>
///  t0 ExtendAsync called (request and event block written)
///  t1 handler entered        } mailbox = (t1 - t0) + (t3 - t2)
///  t2 handler done           } lvextend = t2 - t1
///  t3 reply read             } refresh = t4 - t3
///  t4 export refreshed       } total = t4 - t0
/// </code>
/// </summary>
internal sealed class MailboxSplitBench(MailboxBenchRig rig, CancellationToken stop)
{
    private const long MiB = 1024 * 1024;
    private const long ExtentMiB = MailboxBenchRig.ExtentSize / MiB;

    public async Task<MailboxSplit> RunAsync(int hosts, int rounds)
    {
        var options = new MailboxOptions { MaxHostId = Math.Max(250, hosts) };
        var stamps = new HandlerStamps();
        var server = rig.Server(new MailboxLvHandler(rig.Lvm, rig.Vg, stamps), options);
        using var serverStop = new CancellationTokenSource();
        var serving = Task.Run(() => server.RunAsync(serverStop.Token));
        var clients = Enumerable.Range(1, hosts).Select(h => rig.Client(h, options)).ToArray();
        var exports = new LvExport[hosts];
        var split = new MailboxSplit();
        try
        {
            foreach (var c in clients)
            {
                c.Requested = server.Wake;
            }

            server.Replied = h => clients[h - 1].Wake();
            for (int h = 1; h <= hosts; h++)
            {
                var identity = new VolumeIdentity(MailboxBench.DomainId, Guid.Empty, rig.VolumeOf(h));
                exports[h - 1] = await LvExport.OpenAsync(rig.Lvm, rig.Vg, identity, 1L << 40, readOnly: false, LvDataPathMode.Segments, stop);
            }

            for (int round = 0; round < MailboxBench.WarmupRounds + rounds; round++)
            {
                stop.ThrowIfCancellationRequested();
                await Task.Delay(MailboxBench.Gap, stop);
                var parts = await Task.WhenAll(clients.Select(c => OneAsync(c, exports[c.HostId - 1], stamps)));
                if (round >= MailboxBench.WarmupRounds)
                {
                    split.AddRange(parts);
                }
            }
        }
        finally
        {
            foreach (var c in clients)
            {
                await c.DisposeAsync();
            }

            foreach (var e in exports.Where(e => e is not null))
            {
                await e.DisposeAsync();
            }

            await serverStop.CancelAsync();
            try
            {
                await serving;
            }
            catch (OperationCanceledException)
            {
                // How RunAsync ends.
            }
        }

        return split;
    }

    /// <summary>One host's request for one extent more than its export maps, timed part by part.</summary>
    private async Task<MailboxSplit.Sample> OneAsync(MailboxClient client, LvExport export, HandlerStamps stamps)
    {
        long wanted = (export.CurrentSize / MiB) + ExtentMiB;
        var request = new ExtendRequest(MailboxBench.DomainId, export.Volume, wanted);
        long t0 = Stopwatch.GetTimestamp();
        var reply = await client.ExtendAsync(request, null, stop);
        long t3 = Stopwatch.GetTimestamp();
        long mapped = await export.RefreshAsync(stop);
        long t4 = Stopwatch.GetTimestamp();
        if (reply.SizeMiB != wanted || mapped != wanted * MiB)
        {
            throw new InvalidOperationException($"host {client.HostId}: asked {wanted} MiB, the reply says {reply.SizeMiB} MiB, the refreshed export maps {mapped / MiB} MiB");
        }

        var (t1, t2) = stamps.Take(client.HostId);
        return new MailboxSplit.Sample(
            Stopwatch.GetElapsedTime(t0, t1) + Stopwatch.GetElapsedTime(t2, t3),
            Stopwatch.GetElapsedTime(t1, t2),
            Stopwatch.GetElapsedTime(t3, t4),
            Stopwatch.GetElapsedTime(t0, t4));
    }
}
