using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Harness.LocalPools;
using Sanpool.Core;
using Sanpool.Pool;

namespace Sanpool.Cli.Demo;

/// <summary>The demo's disk: structural verbs sent to the SPM's API socket, each a persisted task waited on through task.status.</summary>
internal sealed class DemoDisk(LocalPool pool, DemoConsole output)
{
    private const long Size = 1L << 30;

    /// <summary>Creates a 1 GiB sparse qcow2 disk on <paramref name="domain"/> and takes <paramref name="snapshots"/> snapshots of it; returns the image id.</summary>
    public async Task<Guid> CreateAsync(int spm, Guid domain, int snapshots, CancellationToken cancellationToken)
    {
        var image = Guid.NewGuid();
        output.Step($"through host{spm}'s API socket: image.create on data domain {domain}: 1 GiB, cow (qcow2), sparse");
        await RunTaskAsync(spm, "image.create", new Dictionary<string, string>
        {
            ["domain"] = $"{domain}",
            ["image"] = $"{image}",
            ["size"] = $"{Size}",
            ["format"] = "cow",
            ["allocation"] = "sparse",
            ["description"] = "sanpool demo disk",
        }, cancellationToken);
        for (int i = 1; i <= snapshots; i++)
        {
            output.Step($"snapshot {i} of {snapshots}: snapshot.create (a new qcow2 leaf over the old one, which becomes INTERNAL)");
            await SnapshotAsync(spm, domain, image, cancellationToken);
        }

        return image;
    }

    public Task SnapshotAsync(int spm, Guid domain, Guid image, CancellationToken cancellationToken) =>
        RunTaskAsync(spm, "snapshot.create", new Dictionary<string, string> { ["domain"] = $"{domain}", ["image"] = $"{image}" }, cancellationToken);

    /// <summary>A host that is not SPM asked for a snapshot: it must refuse with NOT_SPM and name the SPM.</summary>
    public async Task ShowRefusalAsync(int spm, Guid domain, Guid image, CancellationToken cancellationToken)
    {
        int other = pool.Running.FirstOrDefault(h => h != spm);
        if (other == 0)
        {
            output.Step("only one host runs: no other host to refuse a structural verb");
            return;
        }

        var args = new Dictionary<string, string> { ["domain"] = $"{domain}", ["image"] = $"{image}" };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var task = await pool.InvokeAsync(other, "snapshot.create", args, cancellationToken);
                throw new SanpoolException(DemoErrors.CheckFailed, $"host{other} is not SPM but accepted snapshot.create: {task.ToJsonString()}");
            }
            catch (SanpoolException e) when (e.Code == PoolErrors.NotSpm)
            {
                output.Step($"host{other} (not SPM) refuses snapshot.create: {e.OneLine}");
                return;
            }
            catch (SanpoolException e) when (e.IsTransient && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Still joining the pool (POOL_NOT_FOUND "not connected yet") or not listening yet.
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    /// <summary>Submits a structural verb to the SPM and polls task.status until the task is done; a failed task is an error.</summary>
    private async Task RunTaskAsync(int spm, string verb, Dictionary<string, string> args, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var submitted = await pool.InvokeAsync(spm, verb, args, cancellationToken);
        string id = (string)submitted["task"]!["id"]!;
        JsonNode record = submitted["task"]!;
        while ((string?)record["state"] is "queued" or "running")
        {
            await Task.Delay(100, cancellationToken);
            record = await pool.InvokeAsync(spm, "task.status", new Dictionary<string, string> { ["task"] = id }, cancellationToken);
        }

        string state = (string?)record["state"] ?? "(no state)";
        if (state != "finished")
        {
            throw new SanpoolException(DemoErrors.CheckFailed, $"task {id} ({verb}) on host{spm} ended {state}: {(string?)record["error"] ?? "no error given"}");
        }

        output.Step($"  task {id} finished in {DemoConsole.Seconds(clock.Elapsed)}: {(string?)record["result"]}");
    }
}
