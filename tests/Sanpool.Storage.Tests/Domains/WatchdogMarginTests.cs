using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Domains;

/// <summary>
/// The watchdog margin in host_dead, as a domain records it (WATCHDOGTIMEOUTSEC): absent means
/// sanlock's 60 s, a test pool may record less, but never so little that another host could
/// take a lease before a host whose renewal failed has fenced itself.
/// </summary>
public sealed class WatchdogMarginTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_domain_made_with_a_short_margin_tells_every_reader_its_host_dead()
    {
        using var dir = new TempDir("watchdog");
        var uuid = Guid.NewGuid();
        var created = await SanpoolCli.RunAsync("domain", "create", "--file", dir.Path, "--uuid", uuid.ToString(), "--io-timeout", "1", "--watchdog-timeout", "8", "--json");
        Assert.True(created.Succeeded, created.StandardError);

        await using var store = await new DomainLocator([dir.Path], []).OpenAsync(uuid, new QemuImg(), dir.File("run"), None);
        Assert.Equal(8, store.Info.WatchdogFireTimeout);
        Assert.Equal(TimeSpan.FromSeconds(16), store.Info.Timeouts.HostDead);
        Assert.Equal("8", (await store.ReadDomainMetadataAsync(None))[DomainDefaults.WatchdogKey]);
    }

    [Fact]
    public async Task A_domain_made_with_the_default_margin_has_VDSM_s_keys_only_and_sanlock_s_host_dead()
    {
        using var dir = new TempDir("watchdog");
        var info = await FileDomain.CreateAsync(dir.Path, Guid.NewGuid(), "default", 512, 10, None);
        await using var store = await new DomainLocator([dir.Path], []).OpenAsync(info.Uuid, new QemuImg(), dir.File("run"), None);
        Assert.Null((await store.ReadDomainMetadataAsync(None))[DomainDefaults.WatchdogKey]);
        Assert.Equal(LeaseTimeouts.DefaultWatchdogFireTimeout, store.Info.WatchdogFireTimeout);
        Assert.Equal(TimeSpan.FromSeconds(140), store.Info.Timeouts.HostDead);
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 13)]
    [InlineData(10, 59)]
    [InlineData(1, 61)]
    public async Task A_margin_that_fencing_could_outlast_is_refused_before_anything_is_written(int ioTimeout, int margin)
    {
        using var dir = new TempDir("watchdog");
        var refused = await SanpoolCli.RunAsync("domain", "create", "--file", dir.Path, "--io-timeout", ioTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--watchdog-timeout", margin.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--watchdog-timeout", refused.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task Metadata_that_says_a_margin_too_short_is_refused_when_the_domain_is_opened()
    {
        using var dir = new TempDir("watchdog");
        var info = await FileDomain.CreateAsync(dir.Path, Guid.NewGuid(), "tampered", 512, 1, None);
        await using (var store = await new DomainLocator([dir.Path], []).OpenAsync(info.Uuid, new QemuImg(), dir.File("run"), None))
        {
            // Resealed with a valid checksum: only the value is wrong.
            var md = await store.ReadDomainMetadataAsync(None);
            await store.WriteDomainMetadataAsync(md.With(DomainDefaults.WatchdogKey, "2"), None);
        }

        var e = await Assert.ThrowsAsync<SanpoolException>(() => new DomainLocator([dir.Path], []).OpenAsync(info.Uuid, new QemuImg(), dir.File("run"), None));
        Assert.Equal(StorageErrors.MetadataInvalid, e.Code);
        Assert.Contains("WATCHDOGTIMEOUTSEC=2", e.Message, StringComparison.Ordinal);
    }
}
