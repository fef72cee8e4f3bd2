using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Tests.Thin;

/// <summary>
/// The real <see cref="ThinVolumeMonitor"/> (its loop, events and waiters) on a manual clock,
/// with a guest writing steadily in 50 ms steps and an SPM that answers every request after a
/// fixed latency. After each step the test waits until the monitor's loop has parked again (a
/// new timer) or sent a request, so the run is the same on a busy machine.
/// </summary>
public sealed class SteadyWriterTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_steady_writer_pauses_under_vdsms_rule_but_not_the_predictive_one()
    {
        // 1.5 GiB/s reached over 3 s, 1.5 s per extension: VDSM's 2048 MiB last 1.33 s.
        int vdsm = await PausesAsync(ExtensionMode.Vdsm, 1536 * MiB, TimeSpan.FromSeconds(1.5));
        int predictive = await PausesAsync(ExtensionMode.Predictive, 1536 * MiB, TimeSpan.FromSeconds(1.5));

        Assert.True(vdsm > 0, "VDSM's rule did not pause the writer");
        Assert.Equal(0, predictive);
    }

    [Fact]
    public async Task Below_the_rate_vdsms_rule_sustains_neither_mode_pauses()
    {
        Assert.Equal(0, await PausesAsync(ExtensionMode.Vdsm, 1024 * MiB, TimeSpan.FromSeconds(1)));
        Assert.Equal(0, await PausesAsync(ExtensionMode.Predictive, 1024 * MiB, TimeSpan.FromSeconds(1)));
    }

    /// <summary>Writes an 8 GiB disk from one extent (after a 5 s boot, ramping over 3 s) and counts ENOSPC pauses.</summary>
    private static async Task<int> PausesAsync(ExtensionMode mode, long rate, TimeSpan latency)
    {
        var clock = new ManualTimeProvider();
        var spm = new FakeExtendRequester();
        var options = new ExtensionPolicyOptions { Mode = mode };
        long capacity = 8L * 1024 * MiB;
        var volume = new MemoryThinVolume(128 * MiB, options.MaximumSize(capacity));
        await using var monitor = new ThinVolumeMonitor(1, new ExtensionPolicy(options), spm, clock, NullLogger.Instance);

        int created = clock.Created;
        monitor.Add(volume);
        var loop = new LoopWatch(clock, spm);
        await loop.SettledAsync(created, 0);

        (FakeExtendRequester.Call Call, TimeSpan Due)? pending = spm.TryNext(out var first) ? (first!, latency) : null;
        Task? room = null;
        int pauses = 0;
        long written = 0;
        TimeSpan now = TimeSpan.Zero;
        TimeSpan start = TimeSpan.FromSeconds(5);
        TimeSpan ramp = TimeSpan.FromSeconds(3);
        while (written < capacity)
        {
            Assert.True(now < TimeSpan.FromMinutes(2), "the writer did not finish");
            int before = clock.Created;
            int requests = spm.Count;
            int refusedBefore = volume.Refused;
            long armed = volume.ArmedThreshold;
            bool moved = false;
            if (now >= start && (room is null || room.IsCompletedSuccessfully))
            {
                room = null;
                double fraction = Math.Min(1.0, (now - start) / ramp);
                long length = Math.Min(capacity - written, (long)(rate * fraction * Step.TotalSeconds));
                if (volume.Write(written, length))
                {
                    written += length;
                }
                else
                {
                    pauses++;
                    room = monitor.WaitForRoomAsync(volume, written + length, CancellationToken.None);
                }

                // An event woke the loop only if it was parked on its timer (not waiting on the SPM).
                moved = pending is null && (volume.Refused != refusedBefore || (armed >= 0 && volume.ArmedThreshold != armed));
            }

            long firedBefore = clock.ActiveTimers;
            clock.Advance(Step);
            now += Step;
            moved |= pending is null && clock.ActiveTimers < firedBefore;
            if (pending is { } p && now >= p.Due)
            {
                p.Call.Grant();
                pending = null;
                moved = true;
            }

            if (moved)
            {
                await loop.SettledAsync(before, requests);
            }

            if (pending is null && spm.TryNext(out var call))
            {
                pending = (call!, now + latency);
            }
        }

        return pauses;
    }

    /// <summary>Waits until the monitor's loop has parked on a new timer or sent a new request.</summary>
    private sealed class LoopWatch(ManualTimeProvider clock, FakeExtendRequester spm)
    {
        public async Task SettledAsync(int createdBefore, int requestsBefore)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (clock.Created == createdBefore && spm.Count == requestsBefore)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the monitor's loop did not move within 10 s: created {clock.Created} (was {createdBefore}), timers {clock.ActiveTimers}, requests {spm.Count}");
                await Task.Delay(1);
            }

            if (spm.Count == requestsBefore)
            {
                // Parked: its timer is registered once Created moved (created and registered under one call).
                while (clock.ActiveTimers == 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the monitor's loop did not park within 10 s");
                    await Task.Delay(1);
                }
            }
        }
    }
}
