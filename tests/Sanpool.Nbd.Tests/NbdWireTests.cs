using Sanpool.Nbd;

namespace Sanpool.Nbd.Tests;

/// <summary>Golden bytes of the transmission-phase codecs (big-endian, proto.md).</summary>
public sealed class NbdWireTests
{
    private const string RequestGolden =
        "25609513" + "0001" + "0001" + "0102030405060708" + "0000000000100000" + "00010000";

    [Fact]
    public void A_request_header_reads_field_by_field_from_its_golden_bytes()
    {
        var request = NbdRequest.Read(Convert.FromHexString(RequestGolden));
        Assert.Equal(new NbdRequest(0x25609513, 1, 1, 0x0102030405060708, 1 << 20, 65536), request);

        byte[] written = new byte[NbdRequest.Size];
        request.Write(written);
        Assert.Equal(RequestGolden, Convert.ToHexStringLower(written));
        Assert.Equal(28, NbdRequest.Size);
    }

    [Fact]
    public void A_simple_reply_is_magic_error_handle()
    {
        byte[] reply = new byte[16];
        Assert.Equal(16, NbdWire.WriteSimpleReply(reply, NbdErrno.ENOSPC, 0xfeedfacecafebeef));
        Assert.Equal("67446698" + "0000001c" + "feedfacecafebeef", Convert.ToHexStringLower(reply));
    }

    [Fact]
    public void Info_block_size_and_export_name_reply_golden()
    {
        byte[] info = new byte[14];
        NbdWire.WriteInfoBlockSize(info, 4096, 4096, 1 << 25);
        Assert.Equal("0003" + "00001000" + "00001000" + "02000000", Convert.ToHexStringLower(info));

        byte[] reply = new byte[134];
        reply.AsSpan().Fill(0xff);
        Assert.Equal(134, NbdWire.WriteExportNameReply(reply, 1UL << 40, 0x0103, zeroes: true));
        Assert.Equal("0000010000000000" + "0103" + new string('0', 248), Convert.ToHexStringLower(reply));
        Assert.Equal(10, NbdWire.WriteExportNameReply(reply, 1UL << 40, 0x0103, zeroes: false));
    }
}
