using Sanpool.Harness.LocalPools;
using Sanpool.Core;
using Sanpool.Storage.Chains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Cli.Demo;

/// <summary>What the demo prints about the pool: every host's view (status), the pool keys (pool.info), and the volume chains read from the LUN.</summary>
internal static class PoolReport
{
    public static async Task PrintStatusAsync(LocalPool pool, CancellationToken cancellationToken)
    {
        DemoConsole.Section("Pool status, asked of every host (status / spm.status)");
        var rows = new List<IReadOnlyList<string>>();
        foreach (int host in pool.Running)
        {
            var s = await pool.InvokeAsync(host, "status", null, cancellationToken);
            var spm = s["spm"];
            rows.Add([$"host{host}", $"{pool.Pid(host)}", (bool?)s["connected"] == true ? "yes" : "no",
                s["lease_valid"] is { } valid ? ((bool)valid ? "valid" : "NOT VALID") : "-",
                (string?)spm?["state"] ?? "-", spm?["spm_id"] is { } id && (int)id > 0 ? $"host{id}" : "none", $"{spm?["lver"]}"]);
        }

        DemoConsole.Table(["host", "pid", "connected", "host id lease", "role", "SPM (as this host reads it)", "lver"], rows);

        int asked = pool.Running.First();
        var info = await pool.InvokeAsync(asked, "pool.info", null, cancellationToken);
        DemoConsole.Section($"Pool keys in the master domain's metadata (pool.info from host{asked})");
        var domains = info["domains"]!.AsObject().Select(d => (IReadOnlyList<string>)["", $"{d.Key} {d.Value} {(d.Key == $"{pool.Master}" ? "(master)" : "")}".TrimEnd()]);
        DemoConsole.Table(["pool", $"{info["pool"]} \"{info["description"]}\""],
        [
            ["master_version", $"{info["master_version"]}"],
            ["SPM", $"host {info["spm_id"]}, SDM lease version {info["spm_lver"]}"],
            ["domains", ""],
            .. domains,
        ]);
    }

    /// <summary>
    /// The chains of <paramref name="domain"/> as <c>sanpool dump-volume-chains</c> prints them, read
    /// here straight from the LUN with no lease (as any host may read), and a check that
    /// <paramref name="image"/>'s chain has <paramref name="volumes"/> volumes.
    /// </summary>
    public static async Task PrintChainsAsync(LocalPool pool, Guid domain, Guid image, int volumes, CancellationToken cancellationToken)
    {
        DemoConsole.Section($"Volume chains of domain {domain}, read from its LUN without a lease");
        Console.WriteLine($"(what `sanpool dump-volume-chains {domain} --device {string.Join(',', pool.Devices)}` prints)");
        var locator = new DomainLocator([], pool.Devices);
        await using var store = await locator.OpenAsync(domain, new QemuImg(), Path.Combine(pool.Options.WorkDir, "reader"), cancellationToken);
        var inventory = await DomainInventory.LoadAsync(store, cancellationToken);
        Console.Write(ChainReport.RenderText(inventory.Chains));
        var chain = inventory.Chains.FirstOrDefault(c => c.Image == $"{image}")
            ?? throw new SanpoolException(DemoErrors.CheckFailed, $"domain {domain}: image {image} is not on the storage");
        if (!chain.IsValid || chain.Chain.Count != volumes)
        {
            throw new SanpoolException(DemoErrors.CheckFailed,
                $"domain {domain}: image {image}: expected a chain of {volumes} volumes, found {(chain.IsValid ? $"{chain.Chain.Count}" : chain.Error!.Value.Describe())}");
        }

        Console.WriteLine($"image {image}: a chain of {volumes} volumes, base + {volumes - 1} snapshot(s), leaf {chain.Chain[^1]}");
    }
}
