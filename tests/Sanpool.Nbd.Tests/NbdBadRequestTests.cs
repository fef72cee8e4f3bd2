using Sanpool.Nbd.Tests.Support;
using Xunit.Abstractions;
using static Sanpool.Nbd.Tests.Support.RawNbdClient;

namespace Sanpool.Nbd.Tests;

/// <summary>
/// Bad requests on a raw socket (issue 5, test 6): each gets its NBD error and the connection
/// goes on serving where the protocol allows; a broken stream costs only its own connection.
/// </summary>
public sealed class NbdBadRequestTests(ITestOutputHelper output)
{
    private const ushort Read = 0;
    private const ushort Write = 1;
    private const ushort Disc = 2;
    private const ushort Flush = 3;
    private const ushort Trim = 4;
    private const ushort WriteZeroes = 6;
    private const uint EPERM = 1;
    private const uint EIO = 5;
    private const uint EINVAL = 22;
    private const uint ENOSPC = 28;
    private const uint EOVERFLOW = 75;
    private const long Size = 1 << 20;

    [Theory]
    [InlineData(Read, Size - 512, 1024, EINVAL)]               // read past the end
    [InlineData(Read, Size, 512, EINVAL)]                       // read at the end
    [InlineData(Read, ulong.MaxValue - 511, 512, EINVAL)]       // offset + length overflows
    [InlineData(Write, Size - 512, 1024, ENOSPC)]              // write past the end: as a too-small disk
    [InlineData(WriteZeroes, Size, 4096, ENOSPC)]
    [InlineData(Trim, Size - 4096, 8192, EINVAL)]
    [InlineData(Read, 100, 512, EINVAL)]                        // unaligned offset
    [InlineData(Write, 512, 100, EINVAL)]                       // unaligned length
    [InlineData(Trim, 256, 512, EINVAL)]
    [InlineData(Read, 0, 0, EINVAL)]                            // zero length
    [InlineData(Write, 0, 0, EINVAL)]
    [InlineData(WriteZeroes, 0, 0, EINVAL)]
    [InlineData(Read, 0, 128 * 1024, EOVERFLOW)]               // over the 64 KiB payload limit
    [InlineData(Write, 0, 128 * 1024, EOVERFLOW)]
    public async Task A_bad_request_gets_its_errno_and_the_connection_keeps_serving(ushort type, ulong offset, uint length, uint errno)
    {
        var disk = new MemoryExport("disk", Size);
        await using var f = ServerFixture.Start(output, new NbdServerOptions { MaxPayload = 64 * 1024 }, disk);
        await using var client = await OpenAsync(f.Socket, "disk");

        byte[]? payload = type == Write ? Enumerable.Repeat((byte)0xee, (int)length).ToArray() : null;
        var (error, _) = await client.CallAsync(type, offset, length, payload);
        Assert.Equal(errno, error);
        Assert.Equal(0, disk.Writes);

        // The stream is still in step: the payload of a refused write was read and dropped.
        Assert.Equal(0u, (await client.CallAsync(Write, 0, 4096, Enumerable.Repeat((byte)7, 4096).ToArray())).Error);
        var (readError, data) = await client.CallAsync(Read, 0, 4096);
        Assert.Equal(0u, readError);
        Assert.All(data, b => Assert.Equal(7, b));
        Assert.All(disk.Bytes[4096..].ToArray(), b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(Read, 0, 1)]            // FUA on a read
    [InlineData(Write, 0, 2)]           // NO_HOLE on a write
    [InlineData(Write, 0, 0x20)]        // an undefined flag
    [InlineData(5, 0, 0)]               // NBD_CMD_CACHE, not advertised
    [InlineData(7, 0, 0)]               // NBD_CMD_BLOCK_STATUS without meta contexts
    [InlineData(99, 0, 0)]              // unknown command
    public async Task Unknown_commands_and_flags_get_einval(ushort type, ulong offset, ushort flags)
    {
        var disk = new MemoryExport("disk", Size);
        await using var f = ServerFixture.Start(output, null, disk);
        await using var client = await OpenAsync(f.Socket, "disk");
        byte[]? payload = type == Write ? new byte[4096] : null;
        Assert.Equal(EINVAL, (await client.CallAsync(type, offset, type == Write ? 4096u : 0u, payload, flags)).Error);
        Assert.Equal(0, disk.Writes);
        Assert.Equal(0u, (await client.CallAsync(Read, 0, 512)).Error);
    }

    [Fact]
    public async Task A_read_only_export_refuses_writes_trims_and_zeroes_with_eperm_and_still_reads()
    {
        var disk = new MemoryExport("ro", Size, readOnly: true);
        disk.Bytes.Fill(3);
        await using var f = ServerFixture.Start(output, null, disk);
        await using var client = await OpenAsync(f.Socket, "ro");
        Assert.Equal(EPERM, (await client.CallAsync(Write, 0, 4096, new byte[4096])).Error);
        Assert.Equal(EPERM, (await client.CallAsync(Trim, 0, 4096)).Error);
        Assert.Equal(EPERM, (await client.CallAsync(WriteZeroes, 0, 4096)).Error);
        Assert.Equal(0u, (await client.CallAsync(Flush, 0, 0)).Error);
        var (error, data) = await client.CallAsync(Read, 0, 4096);
        Assert.Equal(0u, error);
        Assert.All(data, b => Assert.Equal(3, b));
    }

    [Fact]
    public async Task An_export_exception_gives_its_errno_any_other_gives_eio_logged_once_not_flooded()
    {
        var disk = new MemoryExport("disk", Size) { Failure = new NbdExportException(NbdErrno.EPERM, "fenced") };
        await using var f = ServerFixture.Start(output, null, disk);
        await using var client = await OpenAsync(f.Socket, "disk");
        Assert.Equal(EPERM, (await client.CallAsync(Write, 0, 512, new byte[512])).Error);

        disk.Failure = new InvalidOperationException("storage fell over");
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(EIO, (await client.CallAsync(Read, 0, 512)).Error);
        }

        Assert.Equal(1, f.Log.Count(8206));
        Assert.Contains(f.Log.Lines, l => l.EventId == 8206 && l.Text.Contains("disk", StringComparison.Ordinal) && l.Text.Contains("storage fell over", StringComparison.Ordinal));

        disk.Failure = null;
        Assert.Equal(0u, (await client.CallAsync(Read, 0, 512)).Error);
    }

    [Fact]
    public async Task Bad_request_magic_drops_that_connection_only()
    {
        var disk = new MemoryExport("disk", Size);
        await using var f = ServerFixture.Start(output, null, disk);
        await using var other = await OpenAsync(f.Socket, "disk");
        await using var bad = await OpenAsync(f.Socket, "disk");

        byte[] request = Request(0, Read, 1, 0, 512);
        request[0] ^= 0xff;
        await bad.SendAsync(request);
        Assert.True(await bad.ClosedByServerAsync());

        Assert.Equal(0u, (await other.CallAsync(Read, 0, 512)).Error);
        Assert.Equal(1, f.Log.Count(8205));
    }

    [Fact]
    public async Task A_client_gone_mid_write_costs_only_its_connection_and_writes_nothing()
    {
        var disk = new MemoryExport("disk", Size);
        await using var f = ServerFixture.Start(output, null, disk);
        await using var other = await OpenAsync(f.Socket, "disk");
        await using (var leaving = await OpenAsync(f.Socket, "disk"))
        {
            await leaving.SendAsync([.. Request(0, Write, 9, 0, 65536), .. Enumerable.Repeat((byte)1, 1000)]);
            leaving.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        }

        await WaitUntilAsync(() => f.Server.ConnectionCount == 1);
        Assert.Equal(0, disk.Writes);
        Assert.Equal(0, disk.Bytes[0]);
        Assert.Equal(0u, (await other.CallAsync(Write, 0, 512, Enumerable.Repeat((byte)2, 512).ToArray())).Error);
        Assert.Equal(2, disk.Bytes[0]);
    }

    [Fact]
    public async Task A_client_gone_with_requests_in_flight_does_not_upset_the_server()
    {
        var disk = new MemoryExport("disk", Size) { Delay = TimeSpan.FromMilliseconds(200) };
        await using var f = ServerFixture.Start(output, null, disk);
        await using (var leaving = await OpenAsync(f.Socket, "disk"))
        {
            for (ulong h = 0; h < 8; h++)
            {
                await leaving.SendAsync(Request(0, Read, h, h * 4096, 4096));
            }
        }

        await WaitUntilAsync(() => f.Server.ConnectionCount == 0);
        await using var next = await OpenAsync(f.Socket, "disk");
        Assert.Equal(0u, (await next.CallAsync(Read, 0, 4096)).Error);
    }

    [Fact]
    public async Task Disc_answers_the_requests_in_flight_then_closes()
    {
        var disk = new MemoryExport("disk", Size) { Delay = TimeSpan.FromMilliseconds(300) };
        await using var f = ServerFixture.Start(output, null, disk);
        await using var client = await OpenAsync(f.Socket, "disk");
        await client.SendAsync([.. Request(0, Write, 1, 0, 512), .. Enumerable.Repeat((byte)5, 512), .. Request(0, Disc, 2, 0, 0)]);
        Assert.Equal((0u, 1ul), await client.ReplyAsync());
        Assert.True(await client.ClosedByServerAsync());
        Assert.Equal(5, disk.Bytes[0]);
    }

    [Fact]
    public async Task Many_clients_at_once_each_get_their_own_data_back()
    {
        var disk = new MemoryExport("disk", 64 * 64 * 1024);
        await using var f = ServerFixture.Start(output, null, disk);
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            await using var client = await OpenAsync(f.Socket, "disk");
            byte[] mine = Enumerable.Repeat((byte)(i + 1), 64 * 1024).ToArray();
            ulong offset = (ulong)i * 64 * 1024;
            for (int round = 0; round < 5; round++)
            {
                Assert.Equal(0u, (await client.CallAsync(Write, offset, (uint)mine.Length, mine, handle: (ulong)round)).Error);
                var (error, data) = await client.CallAsync(Read, offset, (uint)mine.Length, handle: (ulong)round + 100);
                Assert.Equal(0u, error);
                Assert.Equal(mine, data);
            }
        }));
        await WaitUntilAsync(() => f.Server.ConnectionCount == 0);
    }

    [Fact]
    public async Task No_more_than_max_in_flight_requests_reach_the_export_at_once_and_all_are_answered()
    {
        var disk = new MemoryExport("disk", Size) { Delay = TimeSpan.FromMilliseconds(30) };
        await using var f = ServerFixture.Start(output, new NbdServerOptions { MaxInFlight = 4 }, disk);
        await using var client = await OpenAsync(f.Socket, "disk");
        for (ulong h = 0; h < 40; h++)
        {
            await client.SendAsync(Request(0, Read, h, h * 4096, 4096));
        }

        var handles = new HashSet<ulong>();
        for (int i = 0; i < 40; i++)
        {
            var (error, handle) = await client.ReplyAsync();
            Assert.Equal(0u, error);
            Assert.True(handles.Add(handle));
            await client.ReceiveAsync(4096);
        }

        Assert.Equal(4, disk.MaxConcurrent);
    }

    [Fact]
    public async Task Garbage_after_the_handshake_on_many_connections_leaves_the_server_serving()
    {
        var disk = new MemoryExport("disk", Size);
        await using var f = ServerFixture.Start(output, null, disk);
        var random = new Random(5);
        byte[][] junks = [.. Enumerable.Range(0, 20).Select(i => new byte[1000 + (i * 97)])];
        foreach (byte[] j in junks)
        {
            random.NextBytes(j);
            j[0] = 0xde; // never the request magic (0x25...)
        }

        await Task.WhenAll(junks.Select(async junk =>
        {
            await using var client = await OpenAsync(f.Socket, "disk");
            try
            {
                await client.SendAsync(junk);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The server may hang up half way through; that is its right.
            }

            Assert.True(await client.ClosedByServerAsync());
        }));

        await WaitUntilAsync(() => f.Server.ConnectionCount == 0);
        Assert.Equal(0, disk.Writes);
        await using var good = await OpenAsync(f.Socket, "disk");
        Assert.Equal(0u, (await good.CallAsync(Read, 0, 512)).Error);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
