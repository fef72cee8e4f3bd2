using Sanpool.Storage.Mailbox;

namespace Sanpool.Storage.Tests.Mailbox;

public sealed class MailboxUuidTests
{
    [Fact]
    public void A_uuid_is_its_rfc_bytes_fully_reversed()
    {
        var bytes = new byte[16];

        MailboxUuid.Write(MailboxGolden.Domain, bytes);

        Assert.Equal("FFEEDDCCBBAA99887766554433221100", Convert.ToHexString(bytes));
        Assert.NotEqual(MailboxGolden.Domain.ToByteArray(), bytes);
    }

    [Fact]
    public void Reading_undoes_writing()
    {
        var bytes = new byte[16];
        var id = Guid.NewGuid();

        MailboxUuid.Write(id, bytes);

        Assert.Equal(id, MailboxUuid.Read(bytes));
        Assert.Equal(MailboxGolden.Volume, MailboxUuid.Read(MailboxGolden.Extend.AsSpan(21)));
    }

    [Fact]
    public void Short_input_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => MailboxUuid.Read(new byte[15]));
    }
}
