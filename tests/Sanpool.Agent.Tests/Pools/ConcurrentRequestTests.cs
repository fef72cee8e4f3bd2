using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sanpool.Agent.Tests.Failover;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>
/// Many structural requests at once through a real SPM agent on a block pool on loop devices
/// (two agents, host 1 the SPM, host 2 never contending): tasks on one image queue in
/// submission order and say what they wait for, tasks on different images run together, no two
/// live operations ever share a journal slot (read from the SPM's own log), crosswise copies
/// both finish, and after every step the storage is sound (domain check clean, no leaked LV).
/// </summary>
public sealed partial class ConcurrentRequestTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task Twenty_snapshots_on_one_image_ten_busy_images_and_crosswise_copies_all_finish_with_every_chain_whole()
    {
        await using var test = await CreatePoolAsync(output);
        var probe = new PoolProbe(test.Pool, output);
        string d1 = test.Pool.Domains[1].ToString();

        // 1. Twenty snapshot.create on one image, sent at once.
        var (image, baseVolume) = await probe.CreateImageAsync(1, 1, GiB, "cow");
        var volumes = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid().ToString()).ToList();
        var tasks = await Task.WhenAll(volumes.Select(v => probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = image, ["volume"] = v })));
        var waiting = (await Task.WhenAll(tasks.Select(t => probe.TaskAsync(1, t)))).Where(r => (string)r["state"]! == "queued").ToList();
        Assert.NotEmpty(waiting);
        Assert.All(waiting, r => Assert.Matches($"^image {image} of domain {d1}, held by task [0-9a-f-]{{36}} \\(snapshot.create\\)$", (string?)r["waiting"]));
        await AllFinishedAsync(probe, tasks);
        var chain = await probe.ChainAsync(1, image);
        Assert.Equal(21, chain.Count);
        Assert.Equal(baseVolume, (string)chain[0]["id"]!);
        Assert.Equal(new HashSet<string>(volumes), chain.Skip(1).Select(v => (string)v["id"]!).ToHashSet());
        Assert.Equal([.. Enumerable.Repeat("INTERNAL", 20), "LEAF"], chain.Select(v => (string)v["voltype"]!));
        await probe.AssertSoundAsync();

        // 2. Ten images of one domain, each with two snapshots; then at once on all of them a
        // merge, a delete, a copy or a snapshot, each with one more snapshot queued behind it.
        var images = new List<(string Image, string Base, string First, string Second)>();
        for (int i = 0; i < 10; i++)
        {
            var (img, b) = await probe.CreateImageAsync(1, 1, GiB, "cow");
            images.Add((img, b, Guid.NewGuid().ToString(), Guid.NewGuid().ToString()));
        }

        // The images at once; on each, the first snapshot sent before the second.
        await AllFinishedAsync(probe, (await Task.WhenAll(images.Select(async m => new[]
        {
            await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = m.Image, ["volume"] = m.First }),
            await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = m.Image, ["volume"] = m.Second }),
        }))).SelectMany(t => t));
        var mixed = images.Select((m, i) => SubmitPairAsync(probe, i, d1, test.Pool.Domains[0].ToString(), m)).ToList();
        await AllFinishedAsync(probe, [.. (await Task.WhenAll(mixed)).SelectMany(p => p)]);
        Assert.Equal(3, (await probe.ChainAsync(1, images[0].Image)).Count);  // base (first merged into it), second, snapshot
        Assert.Equal(3, (await probe.ChainAsync(1, images[1].Image)).Count);  // base, first, snapshot (second deleted)
        Assert.Equal(4, (await probe.ChainAsync(1, images[2].Image)).Count);  // base, first, second, snapshot
        Assert.Equal(3, (await probe.ChainAsync(0, images[2].Image)).Count);  // the copy
        Assert.Equal(5, (await probe.ChainAsync(1, images[3].Image)).Count);  // base, first, second, two snapshots
        await probe.AssertSoundAsync();

        // 3. image.copy from domain 0 to 1 and from 1 to 0 at the same moment.
        var (onZero, _) = await probe.CreateImageAsync(1, 0, GiB / 4, "raw");
        var (onOne, _) = await probe.CreateImageAsync(1, 1, GiB / 4, "raw");
        var copies = await Task.WhenAll(
            probe.SubmitAsync(1, "image.copy", new() { ["domain"] = test.Pool.Domains[0].ToString(), ["image"] = onZero, ["target_domain"] = d1 }),
            probe.SubmitAsync(1, "image.copy", new() { ["domain"] = d1, ["image"] = onOne, ["target_domain"] = test.Pool.Domains[0].ToString() }));
        await AllFinishedAsync(probe, copies);
        Assert.Single(await probe.ChainAsync(1, onZero));
        Assert.Single(await probe.ChainAsync(0, onOne));
        await probe.AssertSoundAsync();

        // 4. Snapshots of one image sent at once to the host that is not SPM, which forwards
        // them: they queue on the SPM like local ones and all finish, one linear chain.
        var (forwardedImage, _) = await probe.CreateImageAsync(1, 1, GiB, "cow");
        var forwarded = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            probe.SubmitAsync(2, "snapshot.create", new() { ["domain"] = d1, ["image"] = forwardedImage, ["forward"] = "true" })));
        await AllFinishedAsync(probe, forwarded);
        Assert.Equal([.. Enumerable.Repeat("INTERNAL", 5), "LEAF"], (await probe.ChainAsync(1, forwardedImage)).Select(v => (string)v["voltype"]!));

        // 5. A request sure to fail is refused to its caller at once, here or forwarded, and no task is made.
        int before = (await test.Pool.InvokeAsync(1, "task.list", null, CancellationToken.None)).AsArray().Count;
        string missing = Guid.NewGuid().ToString();
        foreach (var (host, extra) in new[] { (1, new Dictionary<string, string>()), (2, new Dictionary<string, string> { ["forward"] = "true" }) })
        {
            var e = await Assert.ThrowsAsync<Sanpool.Core.SanpoolException>(() => probe.SubmitAsync(host, "snapshot.create",
                new Dictionary<string, string>(extra) { ["domain"] = d1, ["image"] = missing }));
            Assert.Equal("IMAGE_NOT_FOUND", e.Code.Name);
            Assert.Contains($"no image {missing}", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, (await test.Pool.InvokeAsync(1, "task.list", null, CancellationToken.None)).AsArray().Count);

        // 1 + 20 + 10 + 20 + 20 + 2 + 2 (+ 6) operations, each in a journal slot.
        AssertNoSharedJournalSlot(await File.ReadAllTextAsync(test.Pool.LogOf(1)), minimumOperations: 75);
    }

    [Fact]
    public async Task Random_concurrent_structural_verbs_keep_every_invariant_round_after_round()
    {
        await using var test = await CreatePoolAsync(output);
        var probe = new PoolProbe(test.Pool, output);
        string d0 = test.Pool.Domains[0].ToString();
        string d1 = test.Pool.Domains[1].ToString();
        var random = new Random(1305);
        var model = new Dictionary<string, List<string>>();
        for (int i = 0; i < 5; i++)
        {
            var (image, volume) = await probe.CreateImageAsync(1, 1, GiB, "cow");
            model[image] = [volume];
        }

        var copies = new Dictionary<string, string>();
        var clock = Stopwatch.StartNew();
        int rounds = 0, verbs = 0;
        while (rounds < 3 || clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            rounds++;
            // Per image a few verbs in a row, sent while the other images' are sent; the model
            // moves on as each is sent, since the SPM runs one image's tasks in submission order.
            var sent = await Task.WhenAll(model.Keys.ToList().Select(async image =>
            {
                var mine = new List<(string Task, string Verb, string Expect)>();
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    var (verb, args, expect) = NextVerb(random, model[image], image, d0, d1);
                    mine.Add((await probe.SubmitAsync(1, verb, args), verb, expect));
                }

                return mine;
            }));
            foreach (var (task, verb, expect) in sent.SelectMany(s => s))
            {
                var record = await probe.WaitTaskAsync(1, task, TimeSpan.FromMinutes(3));
                Assert.True((string)record["state"]! == "finished", $"round {rounds}: {verb} {task}: {record.ToJsonString()}");
                // Every finished task's result is what was asked, and (below) on storage.
                Assert.Contains(expect, (string)record["result"]!, StringComparison.Ordinal);
                if (verb == "image.copy")
                {
                    copies[expect.Split(' ')[1]] = expect;
                }

                verbs++;
            }

            foreach (var (image, expected) in model)
            {
                Assert.Equal(expected, (await probe.ChainAsync(1, image)).Select(v => (string)v["id"]!));
            }

            foreach (var copy in copies.Keys)
            {
                Assert.Single(await probe.ChainAsync(0, copy));
            }

            await probe.AssertSoundAsync();
            probe.Say($"soak round {rounds}: {verbs} verbs so far, chains {string.Join(" ", model.Values.Select(c => c.Count))}, {copies.Count} copies");
        }

        AssertNoSharedJournalSlot(await File.ReadAllTextAsync(test.Pool.LogOf(1)), minimumOperations: verbs);
    }

    /// <summary>A random verb on <paramref name="image"/> whose chain is <paramref name="chain"/>, applied to the chain; and a text its result holds.</summary>
    private static (string Verb, Dictionary<string, string> Args, string Expect) NextVerb(Random random, List<string> chain, string image, string d0, string d1)
    {
        var args = new Dictionary<string, string> { ["domain"] = d1, ["image"] = image };
        switch (chain.Count < 2 ? 0 : random.Next(5))
        {
            case 0 or 1:
                string volume = Guid.NewGuid().ToString();
                args["volume"] = volume;
                chain.Add(volume);
                return ("snapshot.create", args, $"volume {volume}");
            case 2:
                string leaf = chain[^1];
                args["volume"] = leaf;
                chain.RemoveAt(chain.Count - 1);
                return ("volume.delete", args, $"deleted volume {leaf}");
            case 3:
                int top = random.Next(1, chain.Count);
                (args["base"], args["top"]) = (chain[top - 1], chain[top]);
                string merged = $"merged {chain[top]} into {chain[top - 1]}";
                chain.RemoveAt(top);
                return ("image.merge", args, merged);
            default:
                string copy = Guid.NewGuid().ToString();
                (args["target_domain"], args["new_image"], args["collapse"]) = (d0, copy, "true");
                return ("image.copy", args, $"image {copy} on {d0}");
        }
    }

    private static async Task<string[]> SubmitPairAsync(PoolProbe probe, int i, string d1, string d0, (string Image, string Base, string First, string Second) m)
    {
        var args = new Dictionary<string, string> { ["domain"] = d1, ["image"] = m.Image };
        var (verb, more) = (i % 4) switch
        {
            0 => ("image.merge", new Dictionary<string, string> { ["base"] = m.Base, ["top"] = m.First }),
            1 => ("volume.delete", new Dictionary<string, string> { ["volume"] = m.Second }),
            2 => ("image.copy", new Dictionary<string, string> { ["target_domain"] = d0 }),
            _ => ("snapshot.create", new Dictionary<string, string>()),
        };
        string first = await probe.SubmitAsync(1, verb, new(args.Concat(more)));
        string second = await probe.SubmitAsync(1, "snapshot.create", args);
        return [first, second];
    }

    internal static async Task<TestPool> CreatePoolAsync(ITestOutputHelper output)
    {
        var test = await TestPool.CreateAsync(output, hosts: 2, priority: h => h == 1 ? 5 : -1, tune: o => o with { LunSize = 64L * GiB });
        try
        {
            test.Pool.StartAll();
            Assert.Equal(1, await test.Pool.WaitForSpmAsync(TimeSpan.FromSeconds(90), null, CancellationToken.None));
            return test;
        }
        catch
        {
            await test.DisposeAsync();
            throw;
        }
    }

    internal static async Task AllFinishedAsync(PoolProbe probe, IEnumerable<string> tasks)
    {
        foreach (string task in tasks)
        {
            var record = await probe.WaitTaskAsync(1, task, TimeSpan.FromMinutes(5));
            Assert.True((string)record["state"]! == "finished", $"task {task}: {record.ToJsonString()}");
        }
    }

    /// <summary>
    /// Replays the SPM's "took journal slot" / "freed journal slot" lines (logged before the
    /// slot is free, so in order): a slot taken again before it was freed is a violation.
    /// </summary>
    internal static void AssertNoSharedJournalSlot(string log, int minimumOperations)
    {
        var holders = new Dictionary<(string Domain, int Slot), string>();
        int taken = 0, peak = 0;
        foreach (Match m in SlotLine().Matches(log))
        {
            var key = (m.Groups["domain"].Value, int.Parse(m.Groups["slot"].Value, CultureInfo.InvariantCulture));
            string op = m.Groups["op"].Value;
            if (m.Groups["what"].Value == "took")
            {
                Assert.False(holders.TryGetValue(key, out var other), $"journal slot {key.Item2} of domain {key.Item1}: taken by {op} while {other} held it");
                holders[key] = op;
                taken++;
                peak = Math.Max(peak, holders.Count);
            }
            else
            {
                Assert.True(holders.Remove(key, out var holder) && holder == op, $"journal slot {key.Item2} of domain {key.Item1}: freed by {op}, which did not hold it");
            }
        }

        Assert.True(taken >= minimumOperations, $"only {taken} journal slots taken in the SPM's log; expected at least {minimumOperations}");
        Assert.True(peak > 1, $"never more than {peak} operation(s) live at once: the test did not run operations together");
    }

    [GeneratedRegex(@"domain (?<domain>[0-9a-f-]{36}): \S+ (?<op>[0-9a-f-]{36}) \(task [^)]*\) (?<what>took|freed) journal slot (?<slot>\d+)")]
    private static partial Regex SlotLine();
}
