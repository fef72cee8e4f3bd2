using Sanpool.Harness.ThinSimulation;
using Sanpool.Storage.Thin;

namespace Sanpool.Bench;

/// <summary>
/// The measured runs: each on a fresh thin disk (a new LV of one 128 MiB extent, exported at
/// the policy's maximum for <paramref name="capacity"/>), served by a <see cref="MeasuredThinHost"/>
/// and written from its start by qemu-io paced by <see cref="PacedWriter"/>, end to end or for
/// <see cref="MostWriting"/>; and the anchor, the
/// same writer unthrottled on an LV already at its maximum (no monitor, no extension).
/// </summary>
internal sealed class ThinMeasuredBench(MailboxBenchRig rig, string work, long capacity, CancellationToken stop)
{
    public const long Chunk = 4L * 1024 * 1024;
    public static readonly TimeSpan RampUp = TimeSpan.FromSeconds(4);

    /// <summary>
    /// A run writes the whole disk or this much writing time, whichever is less: a slow rate's
    /// run still sees a dozen extensions or more, and a search that goes low stays minutes long.
    /// </summary>
    public static readonly TimeSpan MostWriting = TimeSpan.FromSeconds(60);
    private const int HostId = 1;
    private const double MiB = 1024 * 1024;

    /// <summary>The writer alone: MiB/s over the whole disk, sent back to back.</summary>
    public async Task<double> AnchorAsync()
    {
        long maximum = new ExtensionPolicyOptions().MaximumSize(capacity);
        var volume = await rig.ReplaceVolumeAsync(HostId, stop);
        await rig.Lvm.LvExtendAsync(rig.Vg, volume.ToString(), maximum, stop);
        await using var host = await MeasuredThinHost.StartAsync(rig, volume, maximum, policy: null, Socket(), stop);
        await using var qemu = QemuIoWriter.Start(host.Uri);
        // A rate no writer reaches and no ramp: every write is due at once.
        var run = await new PacedWriter(qemu, host.Export, capacity, Chunk).RunAsync(new WriterRamp(1e15, TimeSpan.Zero), stop);
        return capacity / MiB / run.Elapsed.TotalSeconds;
    }

    /// <summary>One run at <paramref name="rateMiB"/> under <paramref name="policy"/>; the monitor's latencies go to <paramref name="latencies"/>.</summary>
    private async Task<PacedRun> RunAsync(ExtensionPolicyOptions policy, double rateMiB, List<TimeSpan> latencies)
    {
        ArgumentNullException.ThrowIfNull(policy);
        stop.ThrowIfCancellationRequested();
        var volume = await rig.ReplaceVolumeAsync(HostId, stop);
        await using var host = await MeasuredThinHost.StartAsync(rig, volume, policy.MaximumSize(capacity), policy, Socket(), stop);
        await using var qemu = QemuIoWriter.Start(host.Uri);
        var ramp = new WriterRamp(rateMiB * MiB, RampUp);
        var run = await new PacedWriter(qemu, host.Export, BytesFor(ramp), Chunk).RunAsync(ramp, stop);
        latencies.AddRange(host.Latencies);
        return run with { Requests = host.Requests };
    }

    /// <summary>
    /// The highest clean rate in (0, <paramref name="top"/>] MiB/s: <paramref name="top"/> first
    /// (if clean, the answer is "at least"), then <paramref name="steps"/> bisections between the
    /// highest clean and the lowest failed rate so far (starting from 0 and the top). A run that
    /// did not pause but fell behind the rate is run once more before it counts as failed.
    /// </summary>
    public async Task<ThinMeasuredRow> SearchAsync(string name, ExtensionPolicyOptions policy, double top, int steps)
    {
        var runs = new List<PacedRun>();
        var latencies = new List<TimeSpan>();
        double low = 0;
        double high = top;
        for (int step = 0; step <= steps; step++)
        {
            double rate = step == 0 ? top : Math.Round((low + high) / 2);
            var run = await LoggedRunAsync(name, policy, rate, latencies);
            runs.Add(run);
            if (run.Pauses == 0 && !run.Sustained)
            {
                // No pause, but the writer fell behind (the machine is shared): once more at this rate.
                run = await LoggedRunAsync(name, policy, rate, latencies);
                runs.Add(run);
            }

            if (run.Clean)
            {
                if (step == 0)
                {
                    break;
                }

                low = rate;
            }
            else
            {
                high = rate;
            }
        }

        return new ThinMeasuredRow(name, policy, runs, latencies);
    }

    private async Task<PacedRun> LoggedRunAsync(string name, ExtensionPolicyOptions policy, double rate, List<TimeSpan> latencies)
    {
        var run = await RunAsync(policy, rate, latencies);
        Console.Error.WriteLine(FormattableString.Invariant(
            $"thin-measured: {name}: {rate:0} MiB/s: {run.Pauses} pause(s), {run.Paused.TotalSeconds:0.00} s paused, held {run.HeldRateMiB:0} MiB/s, {run.Requests} request(s), {run.Elapsed.TotalSeconds:0.0} s"));
        return run;
    }

    /// <summary>The bytes a run at <paramref name="ramp"/> writes: the disk, or <see cref="MostWriting"/> of writing, in whole chunks.</summary>
    private long BytesFor(WriterRamp ramp) => Math.Min(capacity, (long)ramp.Position(MostWriting.TotalSeconds) / Chunk * Chunk);

    private string Socket() => Path.Combine(work, $"nbd-{Guid.NewGuid():N}.sock");
}
