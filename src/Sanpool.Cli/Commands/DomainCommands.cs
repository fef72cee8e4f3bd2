using Sanpool.Api.DataPath;
using Sanpool.Api;
using System.CommandLine;
using System.Text.Json;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Volumes;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool domain ...</c>: storage domains, a directory tree (<c>--file</c>/<c>--path</c>)
/// or an LVM VG on shared LUNs (<c>--block</c>/<c>--device</c>). A block domain is found only
/// on the devices given: the CLI never scans the host's other disks.
/// </summary>
public static class DomainCommands
{
    public static Command Create()
    {
        var domain = new Command("domain", "Storage domains: a directory tree (file) or an LVM volume group on shared LUNs (block), in VDSM's format 5.");
        domain.Subcommands.Add(CreateDomain());
        domain.Subcommands.Add(Extend());
        domain.Subcommands.Add(Info());
        domain.Subcommands.Add(ChainCommands.Check());
        domain.Subcommands.Add(ChainCommands.Recover());
        return domain;
    }

    private static Command CreateDomain()
    {
        var file = new Option<string?>("--file") { Description = "Create a file domain in this directory (an NFS or local mount)." };
        var block = new Option<string?>("--block") { Description = "Create a block domain on these LUNs, DEV[,DEV..] (the first holds the VG metadata)." };
        var uuid = new Option<string?>("--uuid") { Description = "The domain's UUID (default: a new one)." };
        var name = new Option<string>("--name") { Description = "Description, at most 50 characters.", DefaultValueFactory = _ => "storage domain" };
        var sector = new Option<int>("--sector") { Description = "Sector size of its leases: 512 or 4096 (a block domain's must be its LUNs').", DefaultValueFactory = _ => 512 };
        var json = new Option<bool>("--json") { Description = "Print the domain as JSON instead of its UUID." };
        var ioTimeout = new Option<int>("--io-timeout") { Description = "The lockspace's io_timeout in seconds (IOOPTIMEOUTSEC); every lease delay derives from it.", DefaultValueFactory = _ => FileDomain.DefaultIoTimeout };
        var watchdog = new Option<int>("--watchdog-timeout")
        {
            Description = "The watchdog margin in host_dead (8 x io_timeout + this), in seconds: sanlock's 60 unless lowered for a test pool, " +
                          "where a dead host's leases then free sooner. Every domain of a pool must have the same; the real sanlock always uses 60.",
            DefaultValueFactory = _ => Sanpool.Leases.LeaseTimeouts.DefaultWatchdogFireTimeout,
        };
        var wipe = new Option<bool>("--wipe-after-delete")
        {
            Description = "Deleted volumes' extents are zeroed before their LVs are removed, unless a delete says --wipe false (block domains; key WIPEAFTERDELETE).",
        };
        var discard = new Option<bool>("--discard-after-delete")
        {
            Description = "Deleted volumes' extents are discarded before their LVs are removed, where the LUNs support it (block domains; key DISCARDAFTERDELETE).",
        };
        var cmd = new Command("create", "Create a storage domain and print its UUID.") { file, block, uuid, name, sector, json, ioTimeout, watchdog, wipe, discard };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var id = ParseUuid(p.GetValue(uuid)) ?? Guid.NewGuid();
            CheckNameAndSector(p.GetRequiredValue(name), p.GetValue(sector));

            // sanlock's own 60 s is what the real sanlock runs with at any io_timeout, so only a lowered margin is checked
            // (at the default io_timeout 10 the check's floor, KillGrace + 2 s + 2 io = 62 s, is above 60).
            if (p.GetValue(watchdog) != Sanpool.Leases.LeaseTimeouts.DefaultWatchdogFireTimeout
                && DomainDefaults.CheckWatchdog(p.GetValue(watchdog), p.GetValue(ioTimeout)) is { } why)
            {
                throw new UsageException($"--watchdog-timeout {p.GetValue(watchdog)}: {why}");
            }

            var (info, locator) = (p.GetValue(file), p.GetValue(block)) switch
            {
                ({ } dir, null) => (await FileDomain.CreateAsync(Path.GetFullPath(dir), id, p.GetRequiredValue(name), p.GetValue(sector), p.GetValue(ioTimeout), ct),
                    new DomainLocator([Path.GetFullPath(dir)], [])),
                (null, { } devices) => (await BlockDomain.CreateAsync(ExistingDevices(devices, "--block"), id, p.GetRequiredValue(name), p.GetValue(sector), p.GetValue(ioTimeout), ct),
                    new DomainLocator([], Devices(devices, "--block"))),
                _ => throw new UsageException("give exactly one of --file DIR and --block DEV[,DEV..]"),
            };
            if (p.GetValue(watchdog) != Sanpool.Leases.LeaseTimeouts.DefaultWatchdogFireTimeout)
            {
                await using var store = await locator.OpenAsync(info.Uuid, new Sanpool.Storage.Qemu.QemuImg(), WriterOptions.DefaultRunDirectory, ct);
                await DomainDefaults.SetWatchdogAsync(store, p.GetValue(watchdog), ct);
                info = store.Info with { WatchdogFireTimeout = p.GetValue(watchdog) };
            }

            if (p.GetValue(wipe) || p.GetValue(discard))
            {
                await using var store = await locator.OpenAsync(info.Uuid, new Sanpool.Storage.Qemu.QemuImg(), WriterOptions.DefaultRunDirectory, ct);
                await DomainDefaults.SetDeleteDefaultsAsync(store, p.GetValue(wipe), p.GetValue(discard), ct);
                info = info with { WipeAfterDelete = p.GetValue(wipe), DiscardAfterDelete = p.GetValue(discard) };
            }

            Print(info, p.GetValue(json));
            return 0;
        });
        return cmd;
    }

    private static Command Extend()
    {
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var device = new Option<string?>("--device") { Description = "Without --agent: the domain's LUNs, DEV[,DEV..] (at least the first)." };
        var block = new Option<string>("--block") { Description = "The free LUN to add.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the domain as JSON instead of its UUID." };
        var agent = new AgentOptions(required: false);
        var cmd = new Command("extend",
            "Add a LUN to a block domain (pvcreate, vgextend, a new PVn metadata line). With --agent the pool's SPM does it while the pool runs " +
            "(--forward lets another host pass it on), and then extends every thin volume that was waiting for space, so VMs paused on ENOSPC resume; " +
            "every host must see the new LUN (its config's \"devices\"). Without --agent the domain must not be in use.")
        { sd, device, block, json };
        agent.AddTo(cmd, structural: false);
        cmd.Options.Add(agent.Forward);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var id = ParseUuid(p.GetRequiredValue(sd)) ?? throw new UsageException("give the domain's UUID");
            if (agent.Given(p))
            {
                AgentOptions.RefuseWithAgent(p, device);
                using var client = agent.Client(p);
                var answer = await AgentCall.CallAsync(client, AgentVerbs.DomainExtend, new DomainExtendRequest(id, p.GetRequiredValue(block), agent.Forwarding(p)), ct);
                Console.WriteLine(p.GetValue(json) ? AgentText.Json(ApiJson.Node(answer)) : answer.Uuid.ToString());
                return 0;
            }

            var devices = p.GetValue(device) ?? throw new UsageException("give --device DEV[,DEV..] (the domain's LUNs), or --agent to have the SPM do it");
            DeviceCheck.Exist([p.GetRequiredValue(block)], "--block");
            var info = await BlockDomain.ExtendAsync(Devices(devices, "--device"), id, p.GetRequiredValue(block), ct);
            Print(info, p.GetValue(json));
            return 0;
        });
        return cmd;
    }

    private static Command Info()
    {
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var path = new Option<string?>("--path") { Description = "The directory the file domain lives in, DIR[,DIR..] (default $SANPOOL_PATH)." };
        var device = new Option<string?>("--device") { Description = "The block domain's LUNs, DEV[,DEV..] (default $SANPOOL_DEVICES); no other device is looked at." };
        var cmd = new Command("info", "Print a domain's metadata as JSON, after verifying its checksum.") { sd, path, device };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var id = ParseUuid(p.GetRequiredValue(sd)) ?? throw new UsageException("give the domain's UUID");
            if (p.GetValue(path) is not null && p.GetValue(device) is not null)
            {
                throw new UsageException("give at most one of --path DIR and --device DEV[,DEV..]");
            }

            // As every other verb: the options, else $SANPOOL_PATH and $SANPOOL_DEVICES (the one given on the command line wins).
            string? dirs = p.GetValue(path) ?? (p.GetValue(device) is null ? Environment.GetEnvironmentVariable("SANPOOL_PATH") : null);
            string? luns = p.GetValue(device) ?? (p.GetValue(path) is null ? Environment.GetEnvironmentVariable("SANPOOL_DEVICES") : null);
            Print(await ReadInfoAsync(id, Split(dirs), Split(luns), ct), json: true);
            return 0;
        });
        return cmd;
    }

    /// <summary>The domain's metadata from the first directory holding it, else from the devices.</summary>
    private static async Task<DomainInfo> ReadInfoAsync(Guid id, string[] dirs, string[] devices, CancellationToken ct)
    {
        if (dirs.Length == 0 && devices.Length == 0)
        {
            throw new UsageException("give --path DIR or --device DEV[,DEV..] (or set $SANPOOL_PATH or $SANPOOL_DEVICES)");
        }

        string[] full = [.. dirs.Select(Path.GetFullPath)];
        if (full.FirstOrDefault(dir => Directory.Exists(Path.Combine(dir, id.ToString()))) is { } found)
        {
            return await FileDomain.ReadInfoAsync(found, id, ct);
        }

        if (devices.Length > 0)
        {
            return await BlockDomain.ReadInfoAsync(devices, id, ct);
        }

        if (full.Where(dir => !Directory.Exists(dir)).ToList() is { Count: > 0 } missing)
        {
            throw new Sanpool.Core.SanpoolException(Sanpool.Storage.StorageErrors.DomainNotFound,
                $"no domain {id}: the directory {string.Join(", ", missing)} does not exist (is the file system mounted?)");
        }

        return await FileDomain.ReadInfoAsync(full[0], id, ct);
    }

    private static string[] Split(string? list) => list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>What the storage would refuse of --name and --sector, refused as bad input (exit 2) before anything is written.</summary>
    private static void CheckNameAndSector(string name, int sector)
    {
        if (sector is not (512 or 4096))
        {
            throw new UsageException($"--sector {sector}: give 512 or 4096");
        }

        try
        {
            DomainDefaults.CheckDescription(name);
        }
        catch (Sanpool.Core.SanpoolException e) when (e.Code == Sanpool.Core.CommonErrors.InvalidArgument)
        {
            throw new UsageException($"--name: {e.Message}");
        }
    }

    private static string[] ExistingDevices(string list, string option)
    {
        var devices = Devices(list, option);
        DeviceCheck.Exist(devices, option);
        return devices;
    }

    /// <summary>A comma-separated device list, as given (paths are checked by the storage layer).</summary>
    private static string[] Devices(string list, string option)
    {
        var devices = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return devices.Length > 0 ? devices : throw new UsageException($"{option} names no device");
    }

    private static Guid? ParseUuid(string? text) => text is null ? null
        : Guid.TryParseExact(text, "D", out var g) ? g
        : throw new UsageException($"'{text}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");

    private static void Print(DomainInfo info, bool json) =>
        Console.WriteLine(json ? JsonSerializer.Serialize(info, CliJson.Options) : info.Uuid.ToString());
}
