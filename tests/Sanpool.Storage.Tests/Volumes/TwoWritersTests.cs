using Sanpool.Storage.Check;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// Two real sanpool processes started at once on one image: the same host (one waits on the
/// host's writer lock, or with --no-wait fails with DOMAIN_BUSY), and two host ids (each gets
/// the SPM lease in turn, or fails with DOMAIN_BUSY). Either way the chain stays whole.
/// </summary>
public sealed class TwoWritersTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("1", "1", false)]
    [InlineData("1", "1", true)]
    [InlineData("1", "2", false)]
    public async Task Two_snapshots_started_at_once_never_both_write(string firstHost, string secondHost, bool noWait)
    {
        await using var d = await TestDomain.CreateAsync("file", 512, "writers");
        var image = Guid.NewGuid();
        await using (var store = await d.OpenAsync())
        await using (var writer = await d.WriterAsync(store))
        {
            await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), 1 << 26, VolumeFormat.COW, AllocationType.SPARSE), None);
        }

        string[] Args(string host) => ["snapshot", "create", d.Uuid.ToString(), image.ToString(), "--path", d.Mount, "--host-id", host, .. noWait ? new[] { "--no-wait" } : []];
        var env = new Dictionary<string, string> { ["SANPOOL_RUN_DIR"] = d.RunDirectory };
        var first = SanpoolCli.RunAsync(Args(firstHost), env, TimeSpan.FromMinutes(3));
        await Task.Delay(300);
        var second = SanpoolCli.RunAsync(Args(secondHost), env, TimeSpan.FromMinutes(3));
        var results = await Task.WhenAll(first, second);

        int succeeded = results.Count(r => r.Succeeded);
        Assert.True(succeeded >= 1, string.Join("\n", results.Select(r => r.StandardError)));
        foreach (var failed in results.Where(r => !r.Succeeded))
        {
            Assert.Contains("DOMAIN_BUSY", failed.StandardError, StringComparison.Ordinal);
        }

        if (firstHost == secondHost)
        {
            // One host: the second waits for the first's writer lock, or with --no-wait fails at once.
            Assert.Equal(noWait ? 1 : 2, succeeded);
        }

        await using var check = await d.OpenAsync();
        Assert.Empty(await DomainCheck.RunAsync(check, None));
        Assert.Equal(1 + succeeded, (await VolumeChainTests.ChainAsync(check, image)).Count);
    }
}
