namespace Sanpool.Storage.Tests.Mailbox;

/// <summary>
/// Byte vectors computed with VDSM's own functions (pack_uuid, SPM_Extend_Message's payload,
/// packed_checksum, _write_event), so these tests pin Sanpool to VDSM's bytes.
/// </summary>
internal static class MailboxGolden
{
    public static readonly Guid Domain = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
    public static readonly Guid Volume = Guid.Parse("5e2d6b1c-7f3a-4c21-9b0e-123456789abc");

    /// <summary>3584 MiB = 0xe00.</summary>
    public const long SizeMiB = 3584;

    /// <summary>SPM_Extend_Message({domainID: Domain, volumeID: Volume}, 3584).payload.</summary>
    public static readonly byte[] Extend = Convert.FromHexString(
        "31" + "78746e64"
        + "ffeeddccbbaa99887766554433221100"
        + "bc9a785634120e9b214c3a7f1c6b2d5e"
        + "30303030303030303030303030653030"
        + "3030303030303030303030");

    /// <summary>packed_checksum of a mailbox holding <see cref="Extend"/> in slot 0 and a clean message in slot 5.</summary>
    public static readonly byte[] ChecksumOfExtendAndClean = Convert.FromHexString("b7140000");

    public const uint ChecksumOfExtendAndCleanValue = 5303;

    public static readonly Guid EventId = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    /// <summary>uuid.UUID(EventId).bytes: RFC order.</summary>
    public static readonly byte[] EventIdBytes = Convert.FromHexString("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
}
