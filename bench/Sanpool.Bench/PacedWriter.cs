using System.Diagnostics;
using Sanpool.Harness.ThinSimulation;
using Sanpool.Storage.Thin;

namespace Sanpool.Bench;

/// <summary>
/// A guest writing a disk sequentially at a paced rate, played by <see cref="QemuIoWriter"/>:
/// one <c>write</c> of <paramref name="chunk"/> bytes at a time, each sent once the
/// <see cref="WriterRamp"/> says the writer has produced it (so the rate ramps up and then
/// holds; a writer behind its schedule sends at once). A write refused with ENOSPC is a pause,
/// as a VM with <c>werror=enospc</c> pauses: the writer's clock stops, it waits until the
/// volume's mapped size covers the write (polled every 5 ms; the monitor was told by the
/// export's OutOfSpace event), and sends the same write again. Afterwards it reads back the
/// first and last chunk and every refused one (<c>read -P</c>) to check that they hold the pattern.
/// </summary>
internal sealed class PacedWriter(QemuIoWriter qemu, IThinVolume volume, long total, long chunk)
{
    private const double MiB = 1024 * 1024;
    private const byte Pattern = 0x5a;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    public async Task<PacedRun> RunAsync(WriterRamp ramp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ramp);
        var clock = Stopwatch.StartNew();
        TimeSpan paused = TimeSpan.Zero;
        int pauses = 0;
        double rampBytes = ramp.Position(ramp.RampUp.TotalSeconds);
        var refused = new SortedSet<long>();
        double? holdStart = null;
        double holdFrom = 0;
        for (long offset = 0; offset < total; offset += chunk)
        {
            long length = Math.Min(chunk, total - offset);
            double due = ramp.ActiveTimeAt(offset + length);
            double active = (clock.Elapsed - paused).TotalSeconds;
            if (due > active)
            {
                await Task.Delay(TimeSpan.FromSeconds(due - active), cancellationToken);
            }

            if (holdStart is null && offset >= rampBytes)
            {
                // The hold phase's measure starts with the first write after the ramp.
                holdStart = (clock.Elapsed - paused).TotalSeconds;
                holdFrom = offset;
            }

            var (refusals, waited) = await WriteAsync(offset, length, cancellationToken);
            pauses += refusals;
            paused += waited;
            if (refusals > 0)
            {
                refused.Add(offset);
            }
        }

        double end = (clock.Elapsed - paused).TotalSeconds;
        double held = holdStart is double start && end > start ? (total - holdFrom) / (end - start) / MiB : 0;
        var elapsed = clock.Elapsed;
        var (checkedChunks, mismatched) = await VerifyAsync(refused, cancellationToken);
        return new PacedRun(ramp.RateBytesPerSecond / MiB, pauses, paused, held, elapsed) { Checked = checkedChunks, Mismatched = mismatched };
    }

    /// <summary>One write, sent again after each refusal once the volume maps it; returns the refusals (pauses) and the time waited for room.</summary>
    private async Task<(int Refusals, TimeSpan Waited)> WriteAsync(long offset, long length, CancellationToken cancellationToken)
    {
        int refusals = 0;
        var waited = TimeSpan.Zero;
        while (true)
        {
            var reply = await qemu.WriteAsync(Pattern, offset, length, cancellationToken);
            if (reply.Outcome == QemuIoOutcome.Wrote)
            {
                return (refusals, waited);
            }

            if (reply.Outcome != QemuIoOutcome.NoSpace)
            {
                throw new InvalidOperationException($"qemu-io failed writing {length} bytes at {offset}: {reply.Text}");
            }

            refusals++;
            long pausedAt = Stopwatch.GetTimestamp();
            while (volume.CurrentSize < offset + length)
            {
                await Task.Delay(Poll, cancellationToken);
            }

            waited += Stopwatch.GetElapsedTime(pausedAt);
        }
    }

    /// <summary>Reads back the first and the last chunk and every chunk that was refused before it was written.</summary>
    private async Task<(int Checked, int Mismatched)> VerifyAsync(SortedSet<long> refused, CancellationToken cancellationToken)
    {
        long last = (total - 1) / chunk * chunk;
        refused.Add(0);
        refused.Add(last);
        int mismatched = 0;
        foreach (long offset in refused)
        {
            long length = Math.Min(chunk, total - offset);
            mismatched += await qemu.VerifyAsync(Pattern, offset, length, cancellationToken) ? 0 : 1;
        }

        return (refused.Count, mismatched);
    }
}
