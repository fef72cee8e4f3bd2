using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Sanpool.Agent.Tests.Api;
using Sanpool.Agent.Vm;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// Real VMs (qemu-system-x86_64 under TCG, a Debian kernel, our busybox guest) writing to a thin
/// disk that runs out of space. Each costs ~20 s, so there are two. Needs root (loop devices).
/// </summary>
[Collection(OneGuestAtATime.Name)]
public sealed class VmEnospcTests(ITestOutputHelper output)
{
    private const int CopyMiB = 96;
    private const int ChunkMiB = 8;

    private static readonly TimeSpan GuestTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_guest_pauses_on_enospc_and_resumes_by_itself_when_its_device_grows_with_its_data_intact()
    {
        using var log = new TestLog(output);
        var total = Stopwatch.StartNew();
        await using var guest = await ThinGuest.LaunchAsync(log.Factory.CreateLogger("vm"), CopyMiB, ChunkMiB, deviceSize: 8 * ThinGuest.MiB, name: "grow");
        var events = new ConcurrentQueue<VmDriveEvent>();
        await using var watcher = new VmWatcher(guest.Vm, async (drive, _) =>
        {
            Assert.Equal("thin", drive.Id);
            await guest.GrowAsync(32 * ThinGuest.MiB);
            return true;
        }, log.Factory.CreateLogger("watcher"));
        watcher.DriveEvent += events.Enqueue;
        using var qemuEvents = guest.Vm.Qmp.Subscribe();
        await watcher.StartAsync(CancellationToken.None);
        await guest.Vm.SetWriteThresholdAsync(guest.Thin.ThresholdNode!, 4 * ThinGuest.MiB, CancellationToken.None);
        await guest.Vm.ContAsync(CancellationToken.None);

        string result = await guest.WaitForResultAsync(GuestTimeout);
        long highest = await guest.Vm.QueryHighestWriteAsync(guest.Thin.ThresholdNode!, CancellationToken.None);
        // The guest prints its RESULT and then powers off: give the poweroff a moment to land.
        var status = await guest.Vm.QueryStatusAsync(CancellationToken.None);
        for (var wait = Stopwatch.StartNew(); status.Running && wait.Elapsed < TimeSpan.FromSeconds(20); status = await guest.Vm.QueryStatusAsync(CancellationToken.None))
        {
            await Task.Delay(100);
        }

        var compare = await guest.CompareWithSourceAsync();

        Report(events, total.Elapsed, guest);
        var resumes = ReportQemuClock(qemuEvents);
        Assert.Equal("RESULT PASS", result);
        Assert.Equal(0, compare.ExitCode);
        Assert.Contains("Images are identical", compare.StandardOutput, StringComparison.Ordinal);
        // 96 MiB of data cannot fit the first 8 MiB: at least two more grows, each one pause.
        int pauses = watcher.PauseCount("thin");
        Assert.InRange(pauses, 2, 6);
        Assert.Equal(pauses, events.Count(e => e.Kind == VmDriveEventKind.Paused));
        Assert.Equal(pauses, events.Count(e => e.Kind == VmDriveEventKind.Resumed));
        Assert.Equal(pauses + 1, resumes); // the first cont, then exactly one per pause
        Assert.Equal(0, watcher.PauseCount("src"));
        Assert.Contains(events, e => e.Kind == VmDriveEventKind.ThresholdCrossed && e.Offset == 4 * ThinGuest.MiB);
        Assert.InRange(highest, CopyMiB * ThinGuest.MiB, guest.DeviceSize);
        Assert.False(status.Running); // powered off, kept by -no-shutdown
    }

    [Fact]
    public async Task Without_space_the_guest_stays_paused_until_a_lun_is_added_then_resumes_with_its_data_intact()
    {
        using var log = new TestLog(output);
        var total = Stopwatch.StartNew();
        await using var guest = await ThinGuest.LaunchAsync(log.Factory.CreateLogger("vm"), CopyMiB, ChunkMiB, deviceSize: 16 * ThinGuest.MiB, name: "full");
        var events = new ConcurrentQueue<VmDriveEvent>();
        int lunAdded = 0;
        await using var watcher = new VmWatcher(guest.Vm, async (_, _) =>
        {
            // The VG is full until a LUN comes; then one extension to the whole size.
            if (Volatile.Read(ref lunAdded) == 0)
            {
                return false;
            }

            if (guest.DeviceSize < 2 * CopyMiB * ThinGuest.MiB)
            {
                await guest.GrowAsync(2 * CopyMiB * ThinGuest.MiB - guest.DeviceSize);
            }

            return true;
        }, log.Factory.CreateLogger("watcher")) { RetryInterval = TimeSpan.FromSeconds(30) };
        watcher.DriveEvent += events.Enqueue;
        await watcher.StartAsync(CancellationToken.None);
        await guest.Vm.ContAsync(CancellationToken.None);

        await WaitUntilAsync(() => events.Any(e => e.Kind == VmDriveEventKind.NoSpaceWaiting), GuestTimeout);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var paused = await guest.Vm.QueryStatusAsync(CancellationToken.None);
        Assert.Equal(("io-error", false), (paused.Status, paused.Running));
        Assert.DoesNotContain(events, e => e.Kind == VmDriveEventKind.Resumed);
        Assert.DoesNotMatch("RESULT", guest.Vm.ReadSerial());

        var lunAt = Stopwatch.StartNew();
        Interlocked.Exchange(ref lunAdded, 1);
        watcher.RetryNow();
        await WaitUntilAsync(() => events.Any(e => e.Kind == VmDriveEventKind.Resumed), TimeSpan.FromSeconds(30));
        output.WriteLine($"resumed {lunAt.Elapsed.TotalMilliseconds:0} ms after the LUN was added");
        string result = await guest.WaitForResultAsync(GuestTimeout);
        var compare = await guest.CompareWithSourceAsync();

        Report(events, total.Elapsed, guest);
        Assert.Equal("RESULT PASS", result);
        Assert.Equal(0, compare.ExitCode);
        Assert.Equal(1, watcher.PauseCount("thin"));
    }

    private void Report(IEnumerable<VmDriveEvent> events, TimeSpan total, ThinGuest guest)
    {
        var resumes = events.Where(e => e.Kind == VmDriveEventKind.Resumed).Select(e => e.PausedFor!.Value.TotalMilliseconds).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"VM {guest.Vm.Name} ({guest.Vm.Accelerator}): {total.TotalSeconds:0.0} s in all, device {guest.DeviceSize / ThinGuest.MiB} MiB, " +
            $"{resumes.Count} pause(s), ENOSPC -> RESUME {string.Join(", ", resumes.Select(ms => ms.ToString("0.0", CultureInfo.InvariantCulture)))} ms"));
        foreach (var e in events)
        {
            output.WriteLine($"  {e.Time:HH:mm:ss.fff} {e.Drive} {e.Kind} pauses={e.Pauses} {e.Detail}");
        }

        output.WriteLine("console: " + guest.Vm.ReadSerial().Replace("\n", " | ", StringComparison.Ordinal));
    }

    /// <summary>Prints each pause as qemu's own clock saw it (first BLOCK_IO_ERROR to RESUME); returns the RESUME count.</summary>
    private int ReportQemuClock(QmpSubscription qemuEvents)
    {
        var pauses = new List<double>();
        DateTimeOffset? firstError = null;
        int resumes = 0;
        while (qemuEvents.Reader.TryRead(out var e))
        {
            if (e.Name == "BLOCK_IO_ERROR")
            {
                firstError ??= e.Timestamp;
            }
            else if (e.Name == "RESUME")
            {
                resumes++;
                if (firstError is { } start)
                {
                    pauses.Add((e.Timestamp - start).TotalMilliseconds);
                }

                firstError = null;
            }
        }

        output.WriteLine("qemu's clock, BLOCK_IO_ERROR -> RESUME: " + string.Join(", ", pauses.Select(ms => ms.ToString("0.0", CultureInfo.InvariantCulture))) + " ms");
        return resumes;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
