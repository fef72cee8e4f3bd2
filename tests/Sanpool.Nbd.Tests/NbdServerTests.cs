using Sanpool.Core;
using Sanpool.Nbd.Tests.Support;
using Sanpool.TestSupport;
using Xunit.Abstractions;
using static Sanpool.Nbd.Tests.Support.RawNbdClient;

namespace Sanpool.Nbd.Tests;

/// <summary>The server's life: exports added and removed while clients are connected, its socket file, its disposal.</summary>
public sealed class NbdServerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Removing_an_export_answers_its_requests_in_flight_closes_its_clients_and_leaves_other_exports_alone()
    {
        var gone = new MemoryExport("gone", 1 << 20) { Delay = TimeSpan.FromMilliseconds(300) };
        var stays = new MemoryExport("stays", 1 << 20);
        await using var f = ServerFixture.Start(output, null, gone, stays);
        await using var a = await OpenAsync(f.Socket, "gone");
        await using var b = await OpenAsync(f.Socket, "gone");
        await using var c = await OpenAsync(f.Socket, "stays");
        await a.SendAsync(Request(0, 0, 77, 0, 4096));
        await Task.Delay(50);

        Assert.True(await f.Server.RemoveExportAsync("gone"));

        Assert.Equal((0u, 77ul), await a.ReplyAsync());
        Assert.Equal(4096, (await a.ReceiveAsync(4096)).Length);
        Assert.True(await a.ClosedByServerAsync());
        Assert.True(await b.ClosedByServerAsync());
        Assert.Equal(0u, (await c.CallAsync(0, 0, 512)).Error);
        Assert.Equal(1, f.Server.ConnectionCount);
        Assert.Equal(["stays"], f.Server.ExportNames());
        Assert.False(await f.Server.RemoveExportAsync("gone"));

        await using var late = await ConnectAsync(f.Socket);
        await late.SendAsync(U32(3));
        Assert.Equal(0x80000006u, Assert.Single(await late.OptionAsync(7, InfoRequest("gone"))).Type);

        // The name can be served again, by a new export.
        f.Server.AddExport(new MemoryExport("gone", 4096));
        await using var again = await OpenAsync(f.Socket, "gone");
        Assert.Equal(0u, (await again.CallAsync(0, 0, 512)).Error);
    }

    [Fact]
    public async Task Removing_an_export_stuck_in_a_request_aborts_it_when_the_caller_stops_waiting()
    {
        var stuck = new MemoryExport("stuck", 1 << 20) { Delay = TimeSpan.FromHours(1) };
        await using var f = ServerFixture.Start(output, null, stuck);
        await using var client = await OpenAsync(f.Socket, "stuck");
        await client.SendAsync(Request(0, 0, 1, 0, 4096));
        await Task.Delay(50);

        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var removal = f.Server.RemoveExportAsync("stuck", patience.Token);
        Assert.True(await removal.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await client.ClosedByServerAsync());
        // The client sees the close before the server's connection task has finished and left the count.
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); f.Server.ConnectionCount > 0 && wait.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, f.Server.ConnectionCount);
    }

    [Fact]
    public async Task Exports_that_cannot_be_served_are_refused_with_stable_codes()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 4096));
        var twice = Assert.Throws<SanpoolException>(() => f.Server.AddExport(new MemoryExport("disk", 4096)));
        Assert.Equal(NbdErrors.ExportExists, twice.Code);
        var ragged = Assert.Throws<SanpoolException>(() => f.Server.AddExport(new MemoryExport("ragged", 4096 + 100)));
        Assert.Equal(NbdErrors.BadExport, ragged.Code);
        var odd = Assert.Throws<SanpoolException>(() => f.Server.AddExport(new MemoryExport("odd", 3000, minimumBlockSize: 1000)));
        Assert.Equal(NbdErrors.BadExport, odd.Code);
    }

    [Fact]
    public async Task A_stale_socket_is_replaced_but_a_live_server_or_a_regular_file_is_not()
    {
        using var dir = new TempDir("nbd");
        var log = new TestLog(output);
        string path = dir.File("s.sock");
        // .NET unlinks the file of a socket it bound when the socket is disposed; a process that
        // dies leaves it behind, which is the case to copy.
        (await ToolRunner.RunAsync("python3", ["-c", $"import socket; socket.socket(socket.AF_UNIX).bind('{path}')"])).EnsureSuccess();

        Assert.True(File.Exists(path));
        await using (var server = NbdServer.Start(path, log))
        {
            var live = Assert.Throws<SanpoolException>(() => NbdServer.Start(path, log));
            Assert.Equal(NbdErrors.ListenFailed, live.Code);
            Assert.Contains("another server", live.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(path), "disposal removes the socket file");

        string file = dir.File("file");
        await File.WriteAllTextAsync(file, "precious");
        var refused = Assert.Throws<SanpoolException>(() => NbdServer.Start(file, log));
        Assert.Equal(NbdErrors.ListenFailed, refused.Code);
        Assert.Equal("precious", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public void A_socket_path_too_long_for_sun_path_is_refused_with_a_stable_code()
    {
        string path = "/tmp/" + new string('x', 120) + ".sock";
        var e = Assert.Throws<SanpoolException>(() => NbdServer.Start(path, new TestLog(output)));
        Assert.Equal(NbdErrors.ListenFailed, e.Code);
    }

    [Fact]
    public async Task Disposal_closes_every_client_and_every_handshake()
    {
        var f = ServerFixture.Start(output, null, new MemoryExport("disk", 4096));
        await using var served = await OpenAsync(f.Socket, "disk");
        await using var greeted = await ConnectAsync(f.Socket);
        await f.DisposeAsync();
        Assert.True(await served.ClosedByServerAsync());
        Assert.True(await greeted.ClosedByServerAsync());
    }
}
