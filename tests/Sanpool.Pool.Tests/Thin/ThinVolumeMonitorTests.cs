using System.Collections.Concurrent;
using Sanpool.Core;
using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Tests.Thin;

public sealed class ThinVolumeMonitorTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private const long Maximum = 11264 * MiB;

    private readonly ManualTimeProvider _clock = new();
    private readonly FakeExtendRequester _spm = new();
    private readonly Mailbox.CapturingLogger _log = new();
    private readonly ConcurrentQueue<ThinVolumeExtended> _extended = new();
    private readonly ConcurrentQueue<ThinVolumeExtendFailed> _failed = new();
    private ThinVolumeMonitor _monitor = null!;

    public Task InitializeAsync()
    {
        _monitor = NewMonitor(new ExtensionPolicyOptions());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _monitor.DisposeAsync();

    [Fact]
    public async Task A_volume_smaller_than_the_watermark_limit_is_extended_before_any_write()
    {
        var volume = new MemoryThinVolume(128 * MiB, Maximum);
        _monitor.Add(volume);

        var call = await _spm.NextAsync();
        Assert.Equal(2688 * MiB, call.Size);
        call.Grant();

        await Until(() => !_extended.IsEmpty);
        var e = Assert.Single(_extended);
        Assert.Equal((128 * MiB, 2688 * MiB), (e.OldSize, e.NewSize));
        Assert.Same(volume, e.Volume);
        Assert.Equal(2688 * MiB, volume.CurrentSize);
        await Until(() => volume.ArmedThreshold == 640 * MiB);
    }

    [Fact]
    public async Task Vdsm_mode_asks_exactly_when_a_write_passes_physical_minus_the_limit()
    {
        var volume = new MemoryThinVolume(2688 * MiB, Maximum);
        _monitor.Add(volume);
        await Until(() => volume.ArmedThreshold == 640 * MiB);

        Assert.True(volume.Write(0, 640 * MiB));
        await Task.Delay(100);
        Assert.Equal(0, _spm.Count);

        Assert.True(volume.Write(640 * MiB, 4096));
        var call = await _spm.NextAsync();
        Assert.Equal(5248 * MiB, call.Size);
    }

    [Fact]
    public async Task Many_crossings_and_refusals_while_a_request_is_out_make_one_request()
    {
        var volume = new MemoryThinVolume(2688 * MiB, Maximum);
        _monitor.Add(volume);
        await Until(() => volume.ArmedThreshold == 640 * MiB);

        Assert.True(volume.Write(0, 700 * MiB));
        var call = await _spm.NextAsync();
        for (long offset = 700 * MiB; offset + (64 * MiB) <= 2688 * MiB; offset += 64 * MiB)
        {
            Assert.True(volume.Write(offset, 64 * MiB));
        }

        for (int i = 0; i < 50; i++)
        {
            Assert.False(volume.Write(2688 * MiB, 1 * MiB));
        }

        await Task.Delay(200);
        Assert.Equal(1, _spm.Count);
        Assert.False(_spm.TryNext(out _));

        // Granted: 2560 MiB more leave more than the limit free, so nothing more until the next crossing.
        call.Grant();
        await Until(() => volume.ArmedThreshold == 3200 * MiB);
        Assert.Equal(5248 * MiB, volume.CurrentSize);
        Assert.Equal(1, _spm.Count);
        Assert.True(volume.Write(3200 * MiB, 1 * MiB));
        var again = await _spm.NextAsync();
        Assert.Equal(7808 * MiB, again.Size);
        Assert.Equal(2, _spm.Count);
    }

    [Fact]
    public async Task A_failed_request_is_reported_and_completes_when_the_spm_succeeds()
    {
        var volume = new MemoryThinVolume(128 * MiB, Maximum);
        _monitor.Add(volume);
        var call = await _spm.NextAsync();
        call.Fail(ExtendFailureKind.NoSpace);
        call.Fail(ExtendFailureKind.NoSpace);

        Assert.Equal(2, _failed.Count);
        Assert.All(_failed, f => Assert.Equal(ExtendFailureKind.NoSpace, f.Failure.Kind));
        Assert.Equal([1, 2], _failed.Select(f => f.Attempt));
        Assert.Equal(1, _log.Count(844));

        var status = Assert.Single(_monitor.Status());
        Assert.True(status.Extending);
        Assert.Equal((2688 * MiB, 2, 1), (status.RequestedSize, status.Failures, status.Requests));

        call.Grant();
        await Until(() => !_extended.IsEmpty);
        Assert.Equal(1, _spm.Count);
        await Until(() => _monitor.Status()[0].ArmedThreshold == 640 * MiB);
        status = _monitor.Status()[0];
        Assert.Equal((2688 * MiB, 0, false), (status.CurrentSize, status.Failures, status.Extending));
    }

    [Fact]
    public async Task Repeated_failures_are_reported_each_time_but_logged_once_a_minute()
    {
        var volume = new MemoryThinVolume(128 * MiB, Maximum);
        _monitor.Add(volume);
        var call = await _spm.NextAsync();
        for (int i = 0; i < 20; i++)
        {
            call.Fail(ExtendFailureKind.NoSpace);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(20, _failed.Count);
        Assert.Equal(1, _log.Count(844));

        _clock.Advance(TimeSpan.FromSeconds(41));
        call.Fail(ExtendFailureKind.NoSpace);
        Assert.Equal(2, _log.Count(844));
        Assert.Contains(_log.Lines, l => l.EventId == 844 && l.Message.Contains("19 more since the last log", StringComparison.Ordinal));
        Assert.Contains(volume.Volume.ToString(), _log.Lines.Last(l => l.EventId == 844).Message, StringComparison.Ordinal);
        Assert.Equal(1, _spm.Count);
    }

    [Fact]
    public async Task A_request_that_throws_is_retried_after_a_backoff()
    {
        _spm.ThrowNext = new IOException("mailbox write failed (injected)");
        var volume = new MemoryThinVolume(128 * MiB, Maximum);
        _monitor.Add(volume);
        await Until(() => _failed.Count == 1);
        Assert.Equal(ExtendFailureKind.RequestError, _failed.Single().Failure.Kind);
        await Task.Delay(100);
        Assert.Equal(1, _spm.Count);

        // The backoff is 1 s on the monitor's clock.
        FakeExtendRequester.Call? call = null;
        await Until(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            return _spm.TryNext(out call);
        });
        Assert.Equal(2688 * MiB, call!.Size);
        Assert.Equal(2, _spm.Count);
    }

    [Fact]
    public async Task A_failed_refresh_is_retried_without_asking_again()
    {
        var volume = new MemoryThinVolume(128 * MiB, Maximum) { FailRefreshes = 2 };
        _monitor.Add(volume);
        (await _spm.NextAsync()).Grant();
        await Until(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(200));
            return !_extended.IsEmpty;
        });

        Assert.Equal(1, _spm.Count);
        Assert.Equal(3, volume.Refreshes);
        Assert.Equal([ExtendFailureKind.RefreshFailed, ExtendFailureKind.RefreshFailed], _failed.Select(f => f.Failure.Kind));
    }

    [Fact]
    public async Task A_volume_stops_asking_at_its_maximum()
    {
        var volume = new MemoryThinVolume(10240 * MiB, Maximum);
        _monitor.Add(volume);
        Assert.True(volume.Write(0, 9000 * MiB));
        var call = await _spm.NextAsync();
        Assert.Equal(Maximum, call.Size);
        call.Grant();
        await Until(() => _log.Count(845) == 1);

        Assert.True(volume.Write(9000 * MiB, Maximum - (9000 * MiB)));
        Assert.False(volume.Write(Maximum, 1));
        for (int i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        await Task.Delay(200);
        Assert.Equal(1, _spm.Count);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => _monitor.WaitForRoomAsync(volume, Maximum + 1, CancellationToken.None));
        Assert.Equal(ThinErrors.BeyondMaximum, e.Code);
    }

    [Fact]
    public async Task Waiting_for_room_completes_only_after_the_extension_is_mapped()
    {
        var volume = new MemoryThinVolume(2688 * MiB, Maximum);
        _monitor.Add(volume);
        await Until(() => volume.ArmedThreshold == 640 * MiB);
        await _monitor.WaitForRoomAsync(volume, 2688 * MiB, CancellationToken.None);

        // The VM's write at the end is refused; it pauses and waits for room.
        Assert.False(volume.Write(2688 * MiB - 4096, 8192));
        Task room = _monitor.WaitForRoomAsync(volume, 2688 * MiB + 4096, CancellationToken.None);
        var call = await _spm.NextAsync();
        await Task.Delay(100);
        Assert.False(room.IsCompleted);

        call.Grant();
        await room.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5248 * MiB, volume.CurrentSize);
    }

    [Fact]
    public async Task Waiting_for_room_beyond_one_chunk_asks_until_there_is_room()
    {
        var volume = new MemoryThinVolume(2688 * MiB, Maximum);
        _monitor.Add(volume);
        Task room = _monitor.WaitForRoomAsync(volume, 6000 * MiB, CancellationToken.None);
        (await _spm.NextAsync()).Grant();
        var second = await _spm.NextAsync();
        Assert.False(room.IsCompleted);
        Assert.Equal(7808 * MiB, second.Size);
        second.Grant();
        await room.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Volumes_come_and_go_while_running()
    {
        var first = new MemoryThinVolume(2688 * MiB, Maximum);
        var second = new MemoryThinVolume(128 * MiB, Maximum);
        _monitor.Add(first);
        _monitor.Add(second);
        _monitor.Add(second);
        Assert.Equal(2, _monitor.Volumes.Count);

        var call = await _spm.NextAsync();
        Assert.Same(second, call.Volume);
        Task room = _monitor.WaitForRoomAsync(second, 200 * MiB, CancellationToken.None);
        await _monitor.RemoveAsync(second);

        Assert.True(call.Cancelled.IsCancellationRequested);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => room);
        Assert.Equal(ThinErrors.VolumeRemoved, e.Code);
        var gone = await Assert.ThrowsAsync<SanpoolException>(() => _monitor.WaitForRoomAsync(second, 1, CancellationToken.None));
        Assert.Equal(ThinErrors.VolumeNotMonitored, gone.Code);
        Assert.Same(first, Assert.Single(_monitor.Volumes));

        // The removed volume's events no longer reach the monitor; the remaining one still works.
        Assert.False(second.Write(0, 200 * MiB));
        Assert.True(first.Write(0, 700 * MiB));
        var next = await _spm.NextAsync();
        Assert.Same(first, next.Volume);
        await Task.Delay(100);
        Assert.Equal(2, _spm.Count);
    }

    [Fact]
    public async Task Predictive_mode_learns_the_rate_and_asks_earlier_and_further_than_vdsm()
    {
        await _monitor.DisposeAsync();
        _monitor = NewMonitor(new ExtensionPolicyOptions { Mode = ExtensionMode.Predictive, InitialLatency = TimeSpan.FromSeconds(2) });
        var volume = new MemoryThinVolume(8064 * MiB, 40 * 1024 * MiB);
        _monitor.Add(volume);
        await Until(() => volume.ArmedThreshold == 6016 * MiB && _clock.ActiveTimers == 1);

        // 1 GiB/s, sampled every 0.5 s: lead = 2 x 2 + 1 = 5 s, free wanted 5 GiB, so the
        // threshold moves to 8064 - 5120 = 2944 MiB, long before VDSM's 6016 MiB.
        FakeExtendRequester.Call? call = null;
        for (int step = 0; step < 11 && call is null; step++)
        {
            Assert.True(volume.Write(step * 512 * MiB, 512 * MiB));
            _clock.Advance(TimeSpan.FromMilliseconds(500));

            // The sample timer fired; the loop has looked when it parks on a new one (or asked).
            await Until(() => _clock.ActiveTimers == 1 || _spm.Count > 0);
            _spm.TryNext(out call);
        }

        Assert.NotNull(call);
        Assert.InRange(volume.HighestWrite, 2944 * MiB, 4096 * MiB);

        // Far enough for a horizon of 2 lead times at 1 GiB/s: written + 5 GiB + 10 GiB.
        Assert.True(call.Size >= volume.HighestWrite + ((5120 + 10240) * MiB), $"asked for {call.Size / MiB} MiB at {volume.HighestWrite / MiB} MiB");
    }

    private ThinVolumeMonitor NewMonitor(ExtensionPolicyOptions options)
    {
        var monitor = new ThinVolumeMonitor(7, new ExtensionPolicy(options), _spm, _clock, _log);
        monitor.Extended += _extended.Enqueue;
        monitor.ExtendFailed += _failed.Enqueue;
        return monitor;
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
