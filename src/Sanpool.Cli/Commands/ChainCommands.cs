using System.CommandLine;
using System.Text.Json;
using Sanpool.Storage.Chains;
using Sanpool.Storage.Check;
using Sanpool.Storage.Volumes;

namespace Sanpool.Cli.Commands;

/// <summary>Inspection and repair: <c>dump-volume-chains</c>, <c>domain check</c>, <c>domain recover</c>.</summary>
public static class ChainCommands
{
    public static Command Dump()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var output = new Option<string>("--output", "-o") { Description = "text (vdsm-tool's layout) or json.", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("dump-volume-chains", "Print every image's volume chain, base first, in vdsm-tool dump-volume-chains' layout.") { sd, output };
        o.AddTo(cmd, writer: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), StorageOptions.Uuid(p.GetValue(sd), "domain"), ct);
            var inventory = await DomainInventory.LoadAsync(store, ct);
            if (p.GetValue(output) == "json" || p.GetValue(o.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(inventory.Chains.Select(Json), CliJson.Options));
            }
            else
            {
                Console.Write(ChainReport.RenderText(inventory.Chains));
            }

            return 0;
        });
        return cmd;
    }

    public static Command Check()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var cmd = new Command("check", "Cross-check every chain: metadata, LV tags, qcow2 headers, storage. Prints each disagreement and its fix; exit 1 if any.") { sd };
        o.AddTo(cmd, writer: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), domain, ct);
            var findings = await DomainCheck.RunAsync(store, ct);
            var volumes = (await store.ListAsync(ct)).Count;
            if (p.GetValue(o.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { domain, volumes, findings }, CliJson.Options));
            }
            else
            {
                findings.ToList().ForEach(Console.WriteLine);
                Console.WriteLine($"domain {domain}: {volumes} volumes checked, {(findings.Count == 0 ? "no problems" : $"{findings.Count} problem(s)")}");
            }

            return findings.Count == 0 ? 0 : CliAction.Failure;
        });
        return cmd;
    }

    public static Command Recover()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var cmd = new Command("recover", "Become the domain's writer once: finish or roll back what interrupted operations left in its journal.") { sd };
        o.AddTo(cmd);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            using var logs = StorageOptions.Logs();
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), domain, ct);
            await using var writer = await o.OpenWriterAsync(p, store, logs.CreateLogger("sanpool.recover"), ct);
            Console.WriteLine(writer.Recovered.Count == 0 ? $"domain {domain}: nothing to recover" : $"domain {domain}: recovered {writer.Recovered.Count} operation(s)");
            return 0;
        });
        return cmd;
    }

    private static object Json(ImageChain c) => new
    {
        image = c.Image,
        error = c.Error?.ToString(),
        volumes = (c.IsValid ? c.Chain : c.Pairs.Select(x => x.Child)).Select(id => c.Volumes[id]).Select(v => new
        {
            id = v.Id,
            parent = v.Parent,
            status = v.Status,
            voltype = v.VolType,
            format = v.Format,
            legality = v.Legality,
            type = v.Type,
            capacity = v.Capacity,
            truesize = v.TrueSize,
        }),
    };
}
