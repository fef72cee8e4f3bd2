using System.CommandLine;
using System.Text.Json;
using Sanpool.Core;
using Sanpool.Storage.Domains;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool domain ...</c>: storage domains. So far file domains can be created and read;
/// block domains (an LVM VG on shared LUNs) come next.
/// </summary>
public static class DomainCommands
{
    public static Command Create()
    {
        var domain = new Command("domain", "Storage domains: a directory tree (file) or an LVM volume group on shared LUNs (block), in VDSM's format 5.");
        domain.Subcommands.Add(CreateDomain());
        domain.Subcommands.Add(Info());
        domain.Subcommands.Add(ChainCommands.Check());
        domain.Subcommands.Add(ChainCommands.Recover());
        return domain;
    }

    private static Command CreateDomain()
    {
        var file = new Option<string>("--file") { Description = "Create a file domain in this directory (an NFS or local mount).", Required = true };
        var uuid = new Option<string?>("--uuid") { Description = "The domain's UUID (default: a new one)." };
        var name = new Option<string>("--name") { Description = "Description, at most 50 characters.", DefaultValueFactory = _ => "storage domain" };
        var sector = new Option<int>("--sector") { Description = "Sector size of its leases: 512 or 4096.", DefaultValueFactory = _ => 512 };
        var json = new Option<bool>("--json") { Description = "Print the domain as JSON instead of its UUID." };
        var ioTimeout = new Option<int>("--io-timeout") { Description = "The lockspace's io_timeout in seconds (IOOPTIMEOUTSEC); lease delays derive from it.", DefaultValueFactory = _ => FileDomain.DefaultIoTimeout };
        var cmd = new Command("create", "Create a storage domain and print its UUID.") { file, uuid, name, sector, json, ioTimeout };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var id = ParseUuid(p.GetValue(uuid)) ?? Guid.NewGuid();
            var info = await FileDomain.CreateAsync(Path.GetFullPath(p.GetRequiredValue(file)), id, p.GetRequiredValue(name), p.GetValue(sector), p.GetValue(ioTimeout), ct);
            Print(info, p.GetValue(json));
            return 0;
        });
        return cmd;
    }

    private static Command Info()
    {
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var path = new Option<string>("--path") { Description = "The directory the file domain lives in.", Required = true };
        var cmd = new Command("info", "Print a domain's metadata as JSON, after verifying its checksum.") { sd, path };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var id = ParseUuid(p.GetRequiredValue(sd)) ?? throw CommonErrors.Invalid("give the domain's UUID");
            var info = await FileDomain.ReadInfoAsync(Path.GetFullPath(p.GetRequiredValue(path)), id, ct);
            Print(info, json: true);
            return 0;
        });
        return cmd;
    }

    private static Guid? ParseUuid(string? text) => text is null ? null
        : Guid.TryParseExact(text, "D", out var g) ? g
        : throw CommonErrors.Invalid($"'{text}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");

    private static void Print(DomainInfo info, bool json) =>
        Console.WriteLine(json ? JsonSerializer.Serialize(info, CliJson.Options) : info.Uuid.ToString());
}
