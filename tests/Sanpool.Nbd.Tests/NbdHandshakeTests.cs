using System.Buffers.Binary;
using System.Text;
using Sanpool.Nbd.Tests.Support;
using Xunit.Abstractions;
using static Sanpool.Nbd.Tests.Support.RawNbdClient;

namespace Sanpool.Nbd.Tests;

/// <summary>The handshake on the wire, byte for byte, against a raw socket.</summary>
public sealed class NbdHandshakeTests(ITestOutputHelper output)
{
    private const string OptionReply = "0003e889045565a9";

    [Fact]
    public async Task The_greeting_is_NBDMAGIC_IHAVEOPT_and_fixed_newstyle_with_no_zeroes()
    {
        await using var f = ServerFixture.Start(output);
        await using var client = await ConnectAsync(f.Socket);
        Assert.Equal("4e42444d41474943" + "49484156454f5054" + "0003", Convert.ToHexStringLower(client.Greeting));
        Assert.Equal("NBDMAGICIHAVEOPT", Encoding.ASCII.GetString(client.Greeting, 0, 16));
    }

    [Fact]
    public async Task Opt_go_answers_info_export_then_info_block_size_then_ack_golden()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 1 << 20));
        await using var client = await ConnectAsync(f.Socket);
        await client.SendAsync(U32(3));
        var replies = await client.OptionAsync(7, InfoRequest("disk", 3));

        Assert.Equal(3, replies.Count);
        // NBD_REP_INFO (3), 12 bytes: NBD_INFO_EXPORT (0), size 1 MiB, flags HAS_FLAGS|SEND_FLUSH|SEND_FUA|SEND_TRIM|SEND_WRITE_ZEROES|CAN_MULTI_CONN.
        Assert.Equal(OptionReply + "00000007" + "00000003" + "0000000c" + "0000" + "0000000000100000" + "016d", Convert.ToHexStringLower(replies[0].Raw));
        // NBD_REP_INFO, 14 bytes: NBD_INFO_BLOCK_SIZE (3), minimum 512, preferred 4096, maximum 32 MiB.
        Assert.Equal(OptionReply + "00000007" + "00000003" + "0000000e" + "0003" + "00000200" + "00001000" + "02000000", Convert.ToHexStringLower(replies[1].Raw));
        // NBD_REP_ACK, no data; transmission follows.
        Assert.Equal(OptionReply + "00000007" + "00000001" + "00000000", Convert.ToHexStringLower(replies[2].Raw));

        var (error, _) = await client.CallAsync(3, 0, 0);
        Assert.Equal(0u, error);
    }

    [Fact]
    public async Task A_read_only_export_says_so_in_its_flags()
    {
        await using var f = ServerFixture.Start(output, new NbdServerOptions { MultiConn = false }, new MemoryExport("ro", 4096, readOnly: true));
        await using var client = await ConnectAsync(f.Socket);
        await client.SendAsync(U32(3));
        var replies = await client.OptionAsync(6, InfoRequest("ro"));
        Assert.Equal((ushort)(1 | 2 | 4 | 8 | 32 | 64), BinaryPrimitives.ReadUInt16BigEndian(replies[0].Data.AsSpan(10)));
        Assert.Equal(1u, replies[^1].Type);
    }

    [Fact]
    public async Task Opt_info_and_go_of_an_unknown_export_answer_err_unknown_and_the_client_may_go_on()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 4096));
        await using var client = await ConnectAsync(f.Socket);
        await client.SendAsync(U32(3));
        var info = await client.OptionAsync(6, InfoRequest("nope"));
        Assert.Equal(0x80000006u, Assert.Single(info).Type);
        Assert.Contains("nope", Encoding.UTF8.GetString(info[0].Data), StringComparison.Ordinal);
        var go = await client.OptionAsync(7, InfoRequest("nope", 3));
        Assert.Equal(0x80000006u, Assert.Single(go).Type);

        Assert.Equal(1u, (await client.OptionAsync(7, InfoRequest("disk")))[^1].Type);
    }

    [Fact]
    public async Task Unknown_options_get_err_unsup_and_malformed_ones_err_invalid()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 4096));
        await using var client = await ConnectAsync(f.Socket);
        await client.SendAsync(U32(3));
        Assert.Equal(0x80000001u, Assert.Single(await client.OptionAsync(8, [])).Type);          // STRUCTURED_REPLY declined
        Assert.Equal(0x80000001u, Assert.Single(await client.OptionAsync(5, [])).Type);          // STARTTLS
        Assert.Equal(0x80000001u, Assert.Single(await client.OptionAsync(0x1234, [1, 2, 3])).Type);
        Assert.Equal(0x80000003u, Assert.Single(await client.OptionAsync(7, [0, 0, 0, 9, 1])).Type); // name longer than the data
        Assert.Equal(0x80000003u, Assert.Single(await client.OptionAsync(3, [1])).Type);          // LIST takes no data
        Assert.Equal(1u, (await client.OptionAsync(7, InfoRequest("disk")))[^1].Type);
    }

    [Fact]
    public async Task Opt_list_names_every_export()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("a", 4096), new MemoryExport("bee", 4096));
        await using var client = await ConnectAsync(f.Socket);
        await client.SendAsync(U32(1));
        var replies = await client.OptionAsync(3, []);
        Assert.Equal(1u, replies[^1].Type);
        var names = replies.Where(r => r.Type == 2).Select(r => Encoding.UTF8.GetString(r.Data, 4, (int)BinaryPrimitives.ReadUInt32BigEndian(r.Data))).Order();
        Assert.Equal(["a", "bee"], names);
    }

    [Fact]
    public async Task Opt_export_name_answers_size_and_flags_with_or_without_the_124_zeroes()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 8192));
        foreach (bool noZeroes in new[] { true, false })
        {
            await using var client = await ConnectAsync(f.Socket);
            await client.SendAsync(U32(noZeroes ? 3u : 1u));
            await client.SendAsync([.. U64(IHaveOpt), .. U32(1), .. U32(4), .. "disk"u8.ToArray()]);
            byte[] reply = await client.ReceiveAsync(noZeroes ? 10 : 134);
            Assert.Equal("0000000000002000016d", Convert.ToHexStringLower(reply.AsSpan(0, 10)));
            Assert.All(reply.Skip(10), b => Assert.Equal(0, b));
            Assert.Equal(0u, (await client.CallAsync(3, 0, 0)).Error);
        }
    }

    [Fact]
    public async Task Opt_export_name_of_an_unknown_export_closes_the_connection()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 4096));
        await using var client = await ConnectAsync(f.Socket);
        await client.SendAsync(U32(3));
        await client.SendAsync([.. U64(IHaveOpt), .. U32(1), .. U32(3), .. "bad"u8.ToArray()]);
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task Opt_abort_is_acknowledged()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 4096));
        await using var client = await ConnectAsync(f.Socket);
        await client.SendAsync(U32(3));
        Assert.Equal(1u, Assert.Single(await client.OptionAsync(2, [])).Type);
        Assert.True(await client.ClosedByServerAsync());
    }

    [Theory]
    [InlineData("unknown client flags")]
    [InlineData("bad option magic")]
    [InlineData("oversized option")]
    public async Task A_client_breaking_the_handshake_is_dropped_and_the_server_serves_the_next(string breach)
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("disk", 4096));
        await using (var bad = await ConnectAsync(f.Socket))
        {
            byte[] bytes = breach switch
            {
                "unknown client flags" => U32(0x80),
                "bad option magic" => [.. U32(3), .. U64(0x1122334455667788), .. U32(7), .. U32(0)],
                _ => [.. U32(3), .. U64(IHaveOpt), .. U32(7), .. U32(1 << 30)],
            };
            await bad.SendAsync(bytes);
            Assert.True(await bad.ClosedByServerAsync());
        }

        await using var good = await OpenAsync(f.Socket, "disk");
        Assert.Equal(0u, (await good.CallAsync(0, 0, 4096)).Error);
    }

    [Fact]
    public async Task A_client_silent_mid_handshake_is_dropped_after_the_timeout_without_holding_up_others()
    {
        var options = new NbdServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(500) };
        await using var f = ServerFixture.Start(output, options, new MemoryExport("disk", 4096));
        await using var silent = await ConnectAsync(f.Socket);
        await using (var good = await OpenAsync(f.Socket, "disk"))
        {
            Assert.Equal(0u, (await good.CallAsync(0, 0, 4096)).Error);
        }

        Assert.True(await silent.ClosedByServerAsync());
        Assert.Contains(f.Log.Lines, l => l.EventId == 8207 && l.Text.Contains("no export chosen", StringComparison.Ordinal));
    }
}
