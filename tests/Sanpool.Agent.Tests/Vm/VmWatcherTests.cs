using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Sanpool.Agent.Vm;
using Sanpool.Core;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// VmWatcher against a fake monitor that plays qemu's part: ENOSPC stops, query-status, cont.
/// The real thing (a guest on a growing loop device) is in <see cref="VmEnospcTests"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync")]
public sealed class VmWatcherTests : IAsyncLifetime
{
    private const string NoSpace =
        """{"device": "thin", "node-name": "thin-fmt", "operation": "write", "action": "stop", "nospace": true, "reason": "No space left on device"}""";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly FakeQmpServer _qemu = new();
    private readonly ConcurrentQueue<VmDriveEvent> _events = new();
    private string _status = "running";
    private string _blockIoStatus = "ok";
    private QmpClient? _client;
    private VmProcess? _vm;

    public async Task InitializeAsync()
    {
        _qemu.Answer = (command, _) => command switch
        {
            "query-status" => new JsonObject { ["status"] = _status, ["running"] = _status == "running" },
            "cont" => Cont(),
            "query-block" => JsonNode.Parse($$"""[{"device": "thin", "inserted": {"node-name": "thin-fmt"}, "io-status": "{{_blockIoStatus}}"}, {"device": "src", "inserted": {"node-name": "src-fmt"}, "io-status": "ok"}]"""),
            _ => new JsonObject(),
        };
        _client = await QmpClient.ConnectAsync(_qemu.SocketPath, "vm1", null, CancellationToken.None);
        _vm = VmProcess.ForMonitor(new VmOptions
        {
            Name = "vm1",
            Kernel = "/k",
            Initrd = "/i",
            RunDirectory = "/tmp",
            Accelerator = "tcg",
            Drives = [VmDrive.FromFile("thin", "/dev/null", "qcow2", thin: true), VmDrive.FromFile("src", "/dev/null", "raw", thin: false, readOnly: true)],
        }, _client);
    }

    public async Task DisposeAsync()
    {
        await _vm!.DisposeAsync();
        await _qemu.DisposeAsync();
    }

    [Fact]
    public async Task The_errors_of_one_stop_are_one_pause_one_extension_and_one_cont()
    {
        int extensions = 0;
        await using var watcher = await StartWatcherAsync((_, _) =>
        {
            Interlocked.Increment(ref extensions);
            return Task.FromResult(true);
        });

        await StopOnEnospcAsync(errors: 3);
        await QmpClientTests.WaitUntilAsync(() => _qemu.CommandNames.Contains("cont"));
        await _qemu.SendEventAsync("RESUME");
        await WaitForEventAsync(VmDriveEventKind.Resumed);

        Assert.Equal(1, extensions);
        Assert.Single(_qemu.CommandNames, c => c == "cont");
        Assert.Equal(1, watcher.PauseCount("thin"));
        Assert.Equal(0, watcher.PauseCount("src"));
        Assert.Equal([VmDriveEventKind.Paused, VmDriveEventKind.Extended, VmDriveEventKind.Resumed], _events.Select(e => e.Kind));
        var resumed = _events.Last();
        Assert.Equal(("vm1", "thin", 1), (resumed.Vm, resumed.Drive, resumed.Pauses));
        Assert.NotNull(resumed.PausedFor);
        Assert.Equal(resumed.PausedFor, watcher.PausedTime("thin"));
        Assert.Equal(TimeSpan.Zero, watcher.PausedTime("src"));
    }

    [Fact]
    public async Task A_new_enospc_after_the_resume_is_a_second_pause()
    {
        await using var watcher = await StartWatcherAsync((_, _) => Task.FromResult(true));

        for (int pause = 1; pause <= 2; pause++)
        {
            await StopOnEnospcAsync(errors: 1);
            await QmpClientTests.WaitUntilAsync(() => _qemu.CommandNames.Count(c => c == "cont") == pause);
            await _qemu.SendEventAsync("RESUME");
            await QmpClientTests.WaitUntilAsync(() => _events.Count(e => e.Kind == VmDriveEventKind.Resumed) == pause);
        }

        Assert.Equal(2, watcher.PauseCount("thin"));
    }

    [Fact]
    public async Task Without_space_the_vm_stays_paused_until_a_retry_gets_space()
    {
        bool lunAdded = false;
        int attempts = 0;
        await using var watcher = await StartWatcherAsync((drive, _) =>
        {
            Assert.Equal("thin", drive.Id);
            Interlocked.Increment(ref attempts);
            return Task.FromResult(Volatile.Read(ref lunAdded));
        }, retry: TimeSpan.FromHours(1));

        await StopOnEnospcAsync(errors: 2);
        var waiting = await WaitForEventAsync(VmDriveEventKind.NoSpaceWaiting);
        await Task.Delay(300);
        Assert.Equal("no space", waiting.Detail);
        Assert.DoesNotContain("cont", _qemu.CommandNames);
        Assert.Equal(1, attempts);

        Volatile.Write(ref lunAdded, true);
        watcher.RetryNow();
        await QmpClientTests.WaitUntilAsync(() => _qemu.CommandNames.Contains("cont"));

        Assert.Equal(2, attempts);
        Assert.Equal(1, watcher.PauseCount("thin"));
    }

    [Fact]
    public async Task A_failing_extension_is_retried_after_the_interval()
    {
        int attempts = 0;
        await using var watcher = await StartWatcherAsync((_, _) =>
            Interlocked.Increment(ref attempts) < 3
                ? throw new SanpoolException(new ErrorCode(-840, "EXTEND_FAILED"), "the SPM did not answer")
                : Task.FromResult(true), retry: TimeSpan.FromMilliseconds(100));

        await StopOnEnospcAsync(errors: 1);
        await QmpClientTests.WaitUntilAsync(() => _qemu.CommandNames.Contains("cont"));

        Assert.Equal(3, attempts);
        var waits = _events.Where(e => e.Kind == VmDriveEventKind.NoSpaceWaiting).ToList();
        Assert.Equal(2, waits.Count);
        Assert.Contains("EXTEND_FAILED (-840): the SPM did not answer", waits[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vm_that_is_no_longer_in_io_error_is_not_resumed()
    {
        await using var watcher = await StartWatcherAsync(async (_, _) =>
        {
            _status = "paused"; // someone paused it by hand while we extended
            await Task.Yield();
            return true;
        });

        await StopOnEnospcAsync(errors: 1);
        await WaitForEventAsync(VmDriveEventKind.Extended);
        await QmpClientTests.WaitUntilAsync(() => _qemu.CommandNames.Count(c => c == "query-status") >= 2);
        await Task.Delay(200);

        Assert.DoesNotContain("cont", _qemu.CommandNames);
    }

    [Fact]
    public async Task Start_picks_up_a_drive_that_stopped_before_the_watcher_listened()
    {
        _status = "io-error";
        _blockIoStatus = "nospace";
        var extended = new TaskCompletionSource<string>();

        await using var watcher = await StartWatcherAsync((drive, _) =>
        {
            extended.TrySetResult(drive.Id);
            return Task.FromResult(true);
        });

        Assert.Equal("thin", await extended.Task.WaitAsync(Wait));
        await QmpClientTests.WaitUntilAsync(() => _qemu.CommandNames.Contains("cont"));
        Assert.Equal(1, watcher.PauseCount("thin"));
    }

    [Fact]
    public async Task An_io_error_that_is_not_enospc_is_reported_and_not_extended()
    {
        int extensions = 0;
        await using var watcher = await StartWatcherAsync((_, _) =>
        {
            Interlocked.Increment(ref extensions);
            return Task.FromResult(true);
        });

        await _qemu.SendEventAsync("BLOCK_IO_ERROR",
            """{"device": "src", "node-name": "src-fmt", "operation": "read", "action": "report", "reason": "Input/output error"}""");
        var e = await WaitForEventAsync(VmDriveEventKind.IoError);

        Assert.Equal(("src", "Input/output error"), (e.Drive, e.Detail));
        Assert.Equal(0, extensions);
        Assert.Equal(0, watcher.PauseCount("src"));
    }

    [Fact]
    public async Task A_crossed_write_threshold_is_raised_for_the_drive_that_owns_the_node()
    {
        await using var watcher = await StartWatcherAsync((_, _) => Task.FromResult(true));

        await _qemu.SendEventAsync("BLOCK_WRITE_THRESHOLD", """{"node-name": "thin-proto", "amount-exceeded": 4096, "write-threshold": 8388608}""");
        var e = await WaitForEventAsync(VmDriveEventKind.ThresholdCrossed);

        Assert.Equal(("thin", 8388608L), (e.Drive, e.Offset));
    }

    private async Task<VmWatcher> StartWatcherAsync(Func<VmDrive, CancellationToken, Task<bool>> extend, TimeSpan? retry = null)
    {
        var watcher = new VmWatcher(_vm!, extend) { RetryInterval = retry ?? VmWatcher.DefaultRetryInterval };
        watcher.DriveEvent += _events.Enqueue;
        await watcher.StartAsync(CancellationToken.None);
        return watcher;
    }

    /// <summary>What qemu does when a thin drive's writes fail with ENOSPC: errors (in flight requests), STOP.</summary>
    private async Task StopOnEnospcAsync(int errors)
    {
        _status = "io-error";
        for (int i = 0; i < errors; i++)
        {
            await _qemu.SendEventAsync("BLOCK_IO_ERROR", NoSpace);
            if (i == 0)
            {
                await _qemu.SendEventAsync("STOP");
            }
        }
    }

    private JsonObject Cont()
    {
        _status = "running";
        return new JsonObject();
    }

    private async Task<VmDriveEvent> WaitForEventAsync(VmDriveEventKind kind)
    {
        await QmpClientTests.WaitUntilAsync(() => _events.Any(e => e.Kind == kind));
        return _events.First(e => e.Kind == kind);
    }
}
