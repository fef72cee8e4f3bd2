using System.Diagnostics;
using System.Globalization;
using System.Net;
using Sanpool.Harness.LocalPools;

namespace Sanpool.Bench;

/// <summary>
/// A job's overhead: a VM snapshot through the engine, from the POST /api/vms/{id}/snapshots to
/// GET /api/jobs/{id} saying finished (polled every <see cref="Poll"/>), against the agent's
/// <c>snapshot.create</c> alone, sent to the SPM's socket and its <c>task.status</c> polled
/// every <see cref="Poll"/> until finished (as <see cref="AgentSnapshotBench"/>). Both on the
/// pool's data domain, each on a disk of its own that grows by one volume a round (the VM's
/// one-disk chain and the agent's image alike), rounds alternating: engine, agent, engine, ...
/// after one warm-up round each.
/// </summary>
internal sealed class EngineJobBench(LocalPool pool, BenchEngine engine, int rounds, string variant, CancellationToken stop)
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private const long GiB = 1L << 30;

    private string Timings => variant == "fixed"
        ? "task polled every 250 ms (before)"
        : "task polled every 25 ms for 2 s, then every 250 ms (now)";

    /// <summary>POST to finished; POST to 202 alone; the agent's submit to finished.</summary>
    public async Task<IReadOnlyList<LatencyStats>> RunAsync(Guid domain)
    {
        Console.Error.WriteLine("engine job: a disk and a VM through the engine, an image through the SPM's agent ...");
        var created = await engine.PostAsync("/api/disks", new { alias = $"bench-vm-disk-{variant}", provisioned_size = GiB, format = "cow", storage_domain = new { id = domain } },
            HttpStatusCode.Accepted, stop);
        await engine.WaitJobAsync((string)created["job"]!["id"]!, Poll, stop);
        var vm = await engine.PostAsync("/api/vms", new { name = $"BenchVM-{variant}", memory_mb = 512, disks = new[] { new { id = (string)created["disk"]!["id"]! } } },
            HttpStatusCode.Created, stop);
        string vmId = (string)vm["id"]!;

        int spm = await engine.SpmHostIdAsync(stop) ?? throw new InvalidOperationException("the engine shows no SPM");
        using var client = pool.Client(spm);
        var image = Guid.NewGuid();
        var imageArgs = new Dictionary<string, string>
        {
            ["domain"] = domain.ToString(), ["image"] = image.ToString(), ["format"] = "cow", ["allocation"] = "sparse",
            ["size"] = GiB.ToString(CultureInfo.InvariantCulture),
        };
        var (task, _) = await AgentTasks.SubmitAsync(client, "image.create", imageArgs, Poll, TimeSpan.FromSeconds(30), stop);
        await AgentTasks.WaitAsync(client, task, Poll, stop);

        Console.Error.WriteLine($"engine job: {rounds} VM snapshots through the engine alternating with {rounds} snapshot.create on host {spm}'s agent ...");
        var (finished, accepted, agent) = (new List<TimeSpan>(), new List<TimeSpan>(), new List<TimeSpan>());
        var snapshotArgs = new Dictionary<string, string> { ["domain"] = domain.ToString(), ["image"] = image.ToString() };
        for (int i = 0; i <= rounds; i++)
        {
            stop.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            var action = await engine.PostAsync($"/api/vms/{vmId}/snapshots", new { description = $"bench{i}" }, HttpStatusCode.Accepted, stop);
            var answered = Stopwatch.GetElapsedTime(start);
            await engine.WaitJobAsync((string)action["job"]!["id"]!, Poll, stop);
            var done = Stopwatch.GetElapsedTime(start);

            var alone = await Timing.TimeAsync(async () =>
            {
                var submitted = (await client.InvokeAsync("snapshot.create", snapshotArgs, stop))["task"]!;
                await AgentTasks.WaitAsync(client, submitted, Poll, stop);
            });
            if (i > 0)
            {
                finished.Add(done);
                accepted.Add(answered);
                agent.Add(alone);
            }
        }

        return
        [
            LatencyStats.From($"engine, {Timings}: POST /api/vms/{{id}}/snapshots, then GET /api/jobs/{{id}} every {Poll.TotalMilliseconds:0} ms until finished", finished),
            LatencyStats.From($"engine, {Timings}: the POST alone (202 with the job)", accepted),
            LatencyStats.From($"agent alone: `snapshot.create` to the SPM's socket, then `task.status` every {Poll.TotalMilliseconds:0} ms until finished", agent),
        ];
    }
}
