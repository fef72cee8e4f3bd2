using System.Diagnostics;
using Sanpool.Harness.LocalPools;

namespace Sanpool.Bench;

/// <summary>
/// Snapshot create as a manager asks for it: the verb snapshot.create sent to the SPM's agent
/// over its API socket (one client kept open), then task.status asked every
/// <see cref="TaskPoll"/> until the task is finished. Two figures per round: the submit (the
/// reply naming the task: argument checks, SPM check, the task persisted) and submit to
/// finished as the client sees it. Each round snapshots an image of its own, made through the
/// agent beforehand (untimed), and is followed by one round of the shared anchor, as
/// <see cref="SnapshotBench"/> does for the library and the CLI on the same domain.
/// </summary>
internal sealed class AgentSnapshotBench(LocalPool pool, SnapshotAnchorRounds anchor, BenchOptions options, CancellationToken stop)
{
    public static readonly TimeSpan TaskPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>Refusals of the untimed image creations before the rounds (error codes).</summary>
    public List<string> StartRefusals { get; } = [];

    /// <summary>Submit to finished, submit alone, and one spm.status round trip on the SPM (the API's own cost).</summary>
    public async Task<IReadOnlyList<LatencyStats>> RunAsync(int spm, Guid domain)
    {
        using var client = pool.Client(spm);
        int count = SnapshotBench.Warmup + options.SnapshotRounds;
        Console.Error.WriteLine($"snapshot create through the agent: making {count} images through host {spm} ...");
        var images = new List<Guid>();
        for (int i = 0; i < count; i++)
        {
            var image = Guid.NewGuid();
            var args = new Dictionary<string, string>
            {
                ["domain"] = domain.ToString(), ["image"] = image.ToString(), ["format"] = "cow", ["allocation"] = "sparse",
                ["size"] = SnapshotBench.Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            // The first may find the SPM still loading its tasks.
            var (task, refusals) = await AgentTasks.SubmitAsync(client, "image.create", args, TaskPoll, TimeSpan.FromSeconds(30), stop);
            StartRefusals.AddRange(refusals);
            await AgentTasks.WaitAsync(client, task, TaskPoll, stop);
            images.Add(image);
        }

        Console.Error.WriteLine($"snapshot create: {options.SnapshotRounds} rounds through the agent, each with an anchor round ...");
        var (submitted, finished, status) = (new List<TimeSpan>(), new List<TimeSpan>(), new List<TimeSpan>());
        var none = new Dictionary<string, string>();
        for (int i = 0; i < count; i++)
        {
            stop.ThrowIfCancellationRequested();
            var args = new Dictionary<string, string> { ["domain"] = domain.ToString(), ["image"] = images[i].ToString() };
            long start = Stopwatch.GetTimestamp();
            var task = (await client.InvokeAsync("snapshot.create", args, stop))["task"]!;
            var submit = Stopwatch.GetElapsedTime(start);
            await AgentTasks.WaitAsync(client, task, TaskPoll, stop);
            var done = Stopwatch.GetElapsedTime(start);
            var roundTrip = await Timing.TimeAsync(() => client.InvokeAsync("spm.status", none, stop));
            await anchor.RoundAsync(keep: i >= SnapshotBench.Warmup);
            if (i >= SnapshotBench.Warmup)
            {
                submitted.Add(submit);
                finished.Add(done);
                status.Add(roundTrip);
            }
        }

        return
        [
            LatencyStats.From($"Sanpool agent (`snapshot.create` to the SPM's socket, then `task.status` every {TaskPoll.TotalMilliseconds:0} ms until finished)", finished),
            LatencyStats.From("Sanpool agent, submit only (the reply naming the task)", submitted),
            LatencyStats.From("Sanpool agent, one `spm.status` round trip on the SPM (no storage)", status),
        ];
    }
}
