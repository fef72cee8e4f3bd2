using System.CommandLine;
using Microsoft.Extensions.Logging;
using Sanpool.Pool;
using Sanpool.Storage.Volumes;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool pool create|info</c>: a pool is a set of domains with one master, whose metadata
/// holds the pool keys. Create writes every member under its SPM lease, the master last.
/// </summary>
public static class PoolCommands
{
    public static Command Create()
    {
        var pool = new Command("pool", "Storage pools: domains with one master domain holding the pool keys and the SPM lease.");
        pool.Subcommands.Add(CreatePool());
        pool.Subcommands.Add(Info());
        return pool;
    }

    private static Command CreatePool()
    {
        var o = new StorageOptions();
        var master = new Option<string>("--master") { Description = "The master domain's UUID.", Required = true };
        var domains = new Option<string[]>("--domain") { Description = "Other domains of the pool (repeat or comma-separate)." };
        var uuid = new Option<string?>("--uuid") { Description = "The pool's UUID (default: a new one)." };
        var name = new Option<string>("--name") { Description = "Description, at most 50 characters.", DefaultValueFactory = _ => "pool" };
        var cmd = new Command("create", "Create a pool on a master domain (and optional others); prints the pool's UUID.") { master, domains, uuid, name };
        o.AddTo(cmd);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var masterId = StorageOptions.Uuid(p.GetValue(master), "master domain");
            var members = (p.GetValue(domains) ?? []).SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(d => StorageOptions.Uuid(d, "domain")).Where(d => d != masterId).Distinct().ToList();
            var poolId = p.GetValue(uuid) is { } u ? StorageOptions.Uuid(u, "pool") : Guid.NewGuid();
            using var logs = StorageOptions.Logs();
            var logger = logs.CreateLogger("sanpool.pool");
            var locator = o.Locator(p);
            var stores = new List<IVolumeStore>();
            var writers = new List<DomainWriter>();
            try
            {
                foreach (var id in members.Prepend(masterId))
                {
                    stores.Add(await StorageOptions.OpenAsync(locator, id, ct));
                    writers.Add(await o.OpenWriterAsync(p, stores[^1], logger, ct));
                }

                var created = await PoolAdmin.CreateAsync(writers[0], writers[1..], poolId, p.GetRequiredValue(name), ct);
                ImageCommands.Print(p.GetValue(o.Json), new { pool = created.Pool, master = masterId, domains = created.Domains.Keys }, created.Pool);
                return 0;
            }
            finally
            {
                foreach (var w in writers)
                {
                    await w.DisposeAsync();
                }

                foreach (var s in stores)
                {
                    await s.DisposeAsync();
                }
            }
        });
        return cmd;
    }

    private static Command Info()
    {
        var o = new StorageOptions();
        var master = new Argument<string>("MASTER") { Description = "The master domain's UUID." };
        var cmd = new Command("info", "Print the pool keys of a master domain as JSON (read from storage; no lease taken).") { master };
        o.AddTo(cmd, writer: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var id = StorageOptions.Uuid(p.GetValue(master), "master domain");
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), id, ct);
            var pool = PoolMetadata.From(await store.ReadDomainMetadataAsync(ct), id);
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                pool = pool.Pool,
                description = pool.Description,
                master = id,
                master_version = pool.MasterVersion,
                domains = pool.Domains,
                spm_id = pool.SpmId,
                spm_lver = pool.SpmLver,
            }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return cmd;
    }
}
