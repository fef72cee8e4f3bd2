using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Domains;

/// <summary>What a domain's metadata says about it, typed.</summary>
public sealed record DomainInfo(Guid Uuid, string Type, string Role, string Description, int Version, int BlockSize, int Alignment, int IoTimeout, string? Pool)
{
    public static DomainInfo From(DomainMetadata md) => new(
        Guid.Parse(md["SDUUID"] ?? ""),
        md["TYPE"] ?? "",
        md["ROLE"] ?? "",
        md["DESCRIPTION"] ?? "",
        int.Parse(md["VERSION"] ?? "0", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(md["BLOCK_SIZE"] ?? "512", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(md["ALIGNMENT"] ?? "1048576", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(md["IOOPTIMEOUTSEC"] ?? "10", System.Globalization.CultureInfo.InvariantCulture),
        string.IsNullOrEmpty(md["POOL_UUID"]) ? null : md["POOL_UUID"]);
}
