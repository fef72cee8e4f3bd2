using System.Diagnostics;
using Sanpool.Pool.Thin.Simulation;
using Sanpool.Storage.Thin;

namespace Sanpool.Bench;

/// <summary>
/// A guest writing a disk sequentially at a paced rate, played by <see cref="QemuIoWriter"/>:
/// one <c>write</c> of <paramref name="chunk"/> bytes at a time, each sent once the
/// <see cref="WriterRamp"/> says the writer has produced it (so the rate ramps up and then
/// holds; a writer behind its schedule sends at once). A write refused with ENOSPC is a pause,
/// as a VM with <c>werror=enospc</c> pauses: the writer's clock stops, it waits until the
/// volume's mapped size covers the write (polled every 5 ms; the monitor was told by the
/// export's OutOfSpace event), and sends the same write again.
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
        double rampBytes = ramp.RateBytesPerSecond * ramp.RampUp.TotalSeconds / 2;
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

            while (true)
            {
                var reply = await qemu.WriteAsync(Pattern, offset, length, cancellationToken);
                if (reply.Outcome == QemuIoOutcome.Wrote)
                {
                    break;
                }

                if (reply.Outcome != QemuIoOutcome.NoSpace)
                {
                    throw new InvalidOperationException($"qemu-io failed writing {length} bytes at {offset}: {reply.Text}");
                }

                pauses++;
                var pausedAt = clock.Elapsed;
                while (volume.CurrentSize < offset + length)
                {
                    await Task.Delay(Poll, cancellationToken);
                }

                paused += clock.Elapsed - pausedAt;
            }
        }

        double end = (clock.Elapsed - paused).TotalSeconds;
        double held = holdStart is double start && end > start ? (total - holdFrom) / (end - start) / MiB : 0;
        return new PacedRun(ramp.RateBytesPerSecond / MiB, pauses, paused, held, clock.Elapsed);
    }
}
