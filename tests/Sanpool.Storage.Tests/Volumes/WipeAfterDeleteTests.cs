using Sanpool.BlockIO;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Volumes.NoOldDataTests;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// Wipe and discard after delete on a block domain (needs root and lvm2): a volume filled with a
/// pattern through the LV export is deleted, and the extents it had are read straight from the
/// PV afterwards. Also when the delete is killed in the middle of the wipe and the next writer
/// finishes it.
/// </summary>
public sealed class WipeAfterDeleteTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_wipe_zeroes_every_extent_the_volume_had_before_its_LV_is_removed()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "wipe");
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        var spec = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 512 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED);
        await CreateImage.RunAsync(writer, spec, None);
        var ranges = await FillAsync(d, store, spec, withQcow2Header: true);
        var progress = new List<double>();

        await DeleteVolume.RunAsync(writer, spec.Image, spec.Volume, new DeleteOptions { Wipe = true }, progress.Add, None);

        Assert.DoesNotContain(await store.ListAsync(None), v => v.Volume == spec.Volume);
        Assert.Equal(ranges.Sum(r => r.Length), await ZeroBytesAsync(ranges));
        Assert.Equal(100, progress[^1]);
        Assert.True(progress.Count >= 2, $"a 512 MiB wipe reports progress more than once: {string.Join(", ", progress)}");
    }

    [Fact]
    public async Task The_domain_default_wipes_a_delete_may_say_otherwise_and_discard_frees_the_extents()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "wipe-default");
        await using (var first = await d.OpenAsync())
        {
            Assert.False(first.Info.WipeAfterDelete);
            await DomainDefaults.SetDeleteDefaultsAsync(first, wipe: true, discard: false, None);
        }

        await using var store = await d.OpenAsync();
        Assert.True(store.Info.WipeAfterDelete);
        await using var writer = await d.WriterAsync(store);
        var wiped = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 128 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED);
        var kept = wiped with { Image = Guid.NewGuid(), Volume = Guid.NewGuid() };
        var discarded = wiped with { Image = Guid.NewGuid(), Volume = Guid.NewGuid() };
        foreach (var spec in new[] { wiped, kept, discarded })
        {
            await CreateImage.RunAsync(writer, spec, None);
        }

        var wipedRanges = await FillAsync(d, store, wiped, withQcow2Header: false);
        var keptRanges = await FillAsync(d, store, kept, withQcow2Header: false);
        var discardedRanges = await FillAsync(d, store, discarded, withQcow2Header: false);

        await DeleteVolume.RunAsync(writer, wiped.Image, wiped.Volume, None);
        await DeleteVolume.RunAsync(writer, kept.Image, kept.Volume, new DeleteOptions { Wipe = false }, null, None);
        await DeleteVolume.RunAsync(writer, discarded.Image, discarded.Volume, new DeleteOptions { Wipe = false, Discard = true }, null, None);

        Assert.Equal(128 * MiB, await ZeroBytesAsync(wipedRanges));
        Assert.Equal(0, await ZeroBytesAsync(keptRanges));
        // A loop device over a file discards by punching holes, which read as zeros.
        Assert.Equal(128 * MiB, await ZeroBytesAsync(discardedRanges));
    }

    [Fact]
    public async Task A_delete_killed_in_the_middle_of_its_wipe_is_finished_by_the_next_writer()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "wipe-crash");
        var spec = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 1024 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED);
        IReadOnlyList<LvByteRange> ranges;
        await using (var store = await d.OpenAsync())
        await using (var writer = await d.WriterAsync(store))
        {
            await CreateImage.RunAsync(writer, spec, None);
            ranges = await FillAsync(d, store, spec, withQcow2Header: false);
        }

        var crashed = await CrashRecoveryTests.CliAsync(d, ["volume", "delete", d.Uuid.ToString(), spec.Image.ToString(), spec.Volume.ToString(), "--wipe"], "delete.wiping");
        Assert.True(crashed.ExitCode == 137, $"expected death by SIGKILL in the wipe: exit {crashed.ExitCode}\n{crashed.StandardError}");
        long zeroed = await ZeroBytesAsync(ranges);
        Assert.True(zeroed > 0 && zeroed < 1024 * MiB, $"the crash came in the middle of the wipe: {zeroed} of {1024 * MiB} bytes zeroed");
        await using (var store = await d.OpenAsync())
        {
            Assert.Contains(await store.ListAsync(None), v => v.Volume == spec.Volume);
        }

        var recovered = await CrashRecoveryTests.CliAsync(d, ["domain", "recover", d.Uuid.ToString()]);
        Assert.True(recovered.Succeeded, recovered.StandardError);

        Assert.Equal(1024 * MiB, await ZeroBytesAsync(ranges));
        await using (var store = await d.OpenAsync())
        {
            Assert.Empty(await store.ListAsync(None));
        }

        var check = await CrashRecoveryTests.CliAsync(d, ["domain", "check", d.Uuid.ToString()]);
        Assert.True(check.Succeeded, check.StandardOutput + check.StandardError);
    }

    /// <summary>How many bytes of <paramref name="ranges"/> read as zeros straight from their PVs (each 4 MiB block all zero or not).</summary>
    private static async Task<long> ZeroBytesAsync(IReadOnlyList<LvByteRange> ranges)
    {
        long zero = 0;
        var buffer = new byte[4 * MiB];
        foreach (var range in ranges)
        {
            await using var pv = DirectBlockDevice.Open(range.PvName, readOnly: true);
            for (long at = 0; at < range.Length; at += buffer.Length)
            {
                int n = (int)Math.Min(buffer.Length, range.Length - at);
                await pv.ReadAsync(range.PvOffset + at, buffer.AsMemory(0, n));
                zero += buffer.AsSpan(0, n).ContainsAnyExcept((byte)0) ? 0 : n;
            }
        }

        return zero;
    }
}
