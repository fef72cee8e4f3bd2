using System.CommandLine;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Storage.Volumes;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool pool create|info|attach|detach|move-master</c>: a pool is a set of domains with
/// one master, whose metadata holds the pool keys. These are offline, one-shot writers: each
/// holds the SPM lease of every domain it writes (so no SPM may be running), membership
/// changes write the master last, and a master move commits with the new master's metadata.
/// Each is safe to run again after a crash: it completes what the crashed run began.
/// </summary>
public static partial class PoolCommands
{
    public static Command Create()
    {
        var pool = new Command("pool", "Storage pools: domains with one master domain holding the pool keys and the SPM lease.");
        pool.Subcommands.Add(CreatePool());
        pool.Subcommands.Add(Info());
        pool.Subcommands.Add(Attach());
        pool.Subcommands.Add(Detach());
        pool.Subcommands.Add(MoveMaster());
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
            var stores = new List<IDomainManifest>();
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
        var cmd = new Command("info", "Print the pool keys of a master domain as JSON, MASTER_VERSION included (read from storage; no lease taken). "
            + "Fails with WRONG_MASTER, naming the current master, if the domain is no longer the master.") { master };
        o.AddTo(cmd, writer: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var id = StorageOptions.Uuid(p.GetValue(master), "master domain");
            var locator = o.Locator(p);
            await using var store = await StorageOptions.OpenAsync(locator, id, ct);
            var md = await store.ReadDomainMetadataAsync(ct);
            if (Guid.TryParse(md[PoolMetadata.PoolUuidKey], out var poolId) && !MasterLookup.IsMasterOf(md, poolId))
            {
                // A regular member of a pool, perhaps its master before a move: say where the master is.
                throw MasterLookup.NotMaster(poolId, id, await MasterLookup.FindAsync(poolId, locator, [], WriterOptions.DefaultRunDirectory, ct));
            }

            var pool = PoolMetadata.From(md, id);
            if (await MasterLookup.FindAsync(pool.Pool, locator, pool.Domains.Keys, WriterOptions.DefaultRunDirectory, ct) is { } current && current.Domain != id)
            {
                throw MasterLookup.NoLongerMaster(pool.Pool, id, pool.MasterVersion, current);
            }

            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                pool = pool.Pool,
                description = pool.Description,
                master = id,
                master_version = pool.MasterVersion,
                domains = pool.Domains,
                spm_id = pool.SpmId,
                spm_lver = pool.SpmLver,
            }, CliJson.Options));
            return 0;
        });
        return cmd;
    }

    private static Command Attach()
    {
        var o = new StorageOptions();
        var master = new Argument<string>("MASTER") { Description = "The pool's master domain." };
        var domain = new Argument<string>("DOMAIN") { Description = "The domain to attach; it must not belong to another pool." };
        var cmd = new Command("attach", "Attach a domain to the pool whose master is MASTER: the domain's POOL_UUID first, then the master's POOL_DOMAINS. "
            + "Holds both domains' SPM leases; run again after a crash to complete it.") { master, domain };
        o.AddTo(cmd);
        CliAction.Set(cmd, (p, ct) => WithWritersAsync(p, o, master, domain, "domain to attach", false, async (w, ct2) =>
        {
            var pool = await PoolAdmin.AttachAsync(w.Master, w.Other, ct2);
            ImageCommands.Print(p.GetValue(o.Json), Json(pool, w.Master.Domain), pool.Pool);
            return 0;
        }, ct));
        return cmd;
    }

    private static Command Detach()
    {
        var o = new StorageOptions();
        var master = new Argument<string>("MASTER") { Description = "The pool's master domain." };
        var domain = new Argument<string>("DOMAIN") { Description = "The regular domain to detach (not the master: move the master role first)." };
        var cmd = new Command("detach", "Detach a regular domain from the pool whose master is MASTER: off the master's POOL_DOMAINS first, then its POOL_UUID cleared. "
            + "Holds both domains' SPM leases; run again after a crash to complete it.") { master, domain };
        o.AddTo(cmd);
        CliAction.Set(cmd, (p, ct) => WithWritersAsync(p, o, master, domain, "domain to detach", false, async (w, ct2) =>
        {
            var pool = await PoolAdmin.DetachAsync(w.Master, w.Other, ct2);
            ImageCommands.Print(p.GetValue(o.Json), Json(pool, w.Master.Domain), pool.Pool);
            return 0;
        }, ct));
        return cmd;
    }

    private static Command MoveMaster()
    {
        var o = new StorageOptions();
        var master = new Argument<string>("MASTER") { Description = "The pool's current master domain." };
        var target = new Argument<string>("NEW_MASTER") { Description = "An Active domain of the pool, to become its master." };
        var cmd = new Command("move-master", "Move the master role to another Active domain of the pool, holding both domains' SPM leases: "
            + "the pool's tasks and host reports copied to NEW_MASTER, NEW_MASTER written as master at MASTER_VERSION + 1 (the commit point), "
            + "MASTER demoted to a regular domain. Hosts must then connect to NEW_MASTER with the new version. "
            + "Run again after a crash to complete the move.") { master, target };
        o.AddTo(cmd);
        CliAction.Set(cmd, (p, ct) => WithWritersAsync(p, o, master, target, "new master", true, async (w, ct2) =>
        {
            var pool = await PoolAdmin.MoveMasterAsync(w.Master, w.Other, w.Others, ct2);
            ImageCommands.Print(p.GetValue(o.Json), Json(pool, w.Other.Domain), w.Other.Domain);
            return 0;
        }, ct));
        return cmd;
    }

    private static object Json(PoolMetadata pool, Guid master) => new
    {
        pool = pool.Pool,
        master,
        master_version = pool.MasterVersion,
        domains = pool.Domains,
    };

    /// <summary>
    /// Opens MASTER and the other domain as their writers (both SPM leases), and the pool's
    /// other domains for reading; refuses with WRONG_MASTER, naming the current master, if MASTER
    /// is not (or no longer) the pool's master. With <paramref name="otherMayBeMaster"/> (a master
    /// move run again after its commit point) the other domain may already be the master.
    /// </summary>
    private static async Task<int> WithWritersAsync(ParseResult p, StorageOptions o, Argument<string> masterArg, Argument<string> otherArg, string otherName,
        bool otherMayBeMaster, Func<PoolWriters, CancellationToken, Task<int>> body, CancellationToken ct)
    {
        var masterId = StorageOptions.Uuid(p.GetValue(masterArg), "master domain");
        var otherId = StorageOptions.Uuid(p.GetValue(otherArg), otherName);
        if (masterId == otherId)
        {
            throw new UsageException($"the {otherName} {otherId} is MASTER itself; name another domain");
        }

        using var logs = StorageOptions.Logs();
        var logger = logs.CreateLogger("sanpool.pool");
        var locator = o.Locator(p);
        var owned = new List<IAsyncDisposable>();
        try
        {
            var masterStore = await Own(owned, StorageOptions.OpenAsync(locator, masterId, ct));
            var otherStore = await Own(owned, StorageOptions.OpenAsync(locator, otherId, ct));
            var masterWriter = await Own(owned, o.OpenWriterAsync(p, masterStore, logger, ct));
            var otherWriter = await Own(owned, o.OpenWriterAsync(p, otherStore, logger, ct));
            var md = await masterStore.ReadDomainMetadataAsync(ct);
            var pool = Guid.TryParse(md[PoolMetadata.PoolUuidKey], out var g) ? g : PoolMetadata.From(md, masterId).Pool;
            bool isMaster = MasterLookup.IsMasterOf(md, pool);
            var listed = isMaster ? PoolMetadata.From(md, masterId).Domains.Keys.ToList() : [];
            var others = new List<IDomainManifest>();
            foreach (var id in listed.Where(d => d != masterId && d != otherId))
            {
                try
                {
                    others.Add(await Own(owned, StorageOptions.OpenAsync(locator, id, ct)));
                }
                catch (SanpoolException e)
                {
                    LogUnchecked(logger, pool, id, e.OneLine);
                }
            }

            var current = await MasterLookup.FindAsync(pool, others.Prepend(otherStore).Prepend(masterStore), ct);
            if (current?.Domain != masterId && !(otherMayBeMaster && current?.Domain == otherId))
            {
                // Not (or no longer) the master: name the one that is, searching everywhere we can reach.
                current ??= await MasterLookup.FindAsync(pool, locator, listed, WriterOptions.DefaultRunDirectory, ct);
                throw isMaster
                    ? MasterLookup.NoLongerMaster(pool, masterId, PoolMetadata.From(md, masterId).MasterVersion, current)
                    : MasterLookup.NotMaster(pool, masterId, current);
            }

            return await body(new PoolWriters(masterWriter, otherWriter, others), ct);
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                await owned[i].DisposeAsync();
            }
        }
    }

    private static async Task<T> Own<T>(List<IAsyncDisposable> owned, Task<T> opening)
        where T : IAsyncDisposable
    {
        var opened = await opening;
        owned.Add(opened);
        return opened;
    }

    [LoggerMessage(EventId = 762, Level = LogLevel.Warning, Message = "pool {Pool}: domain {Domain} cannot be read from here, so it is not checked for a newer master: {Error}")]
    private static partial void LogUnchecked(ILogger logger, Guid pool, Guid domain, string error);

    /// <summary>The writers of MASTER and the other domain, and the pool's other domains open for reading.</summary>
    private sealed record PoolWriters(DomainWriter Master, DomainWriter Other, IReadOnlyCollection<IDomainManifest> Others);
}
