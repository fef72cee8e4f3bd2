using System.Globalization;
using System.Text.RegularExpressions;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Tests.Cli;

/// <summary>
/// Bad input on a block domain (needs root, lvm2 and loop devices; the loop device is
/// detached when the class is done). Besides the shared cases: an image larger than the VG's
/// free space, and the <c>lvs -o +tags</c> picture of a three-volume chain, as on VDSM.
/// </summary>
public sealed class BlockDomainCliBadInputTests(BlockCliDomain domain) : StorageCliBadInputTests(domain), IClassFixture<BlockCliDomain>
{
    private const string NoParent = "00000000-0000-0000-0000-000000000000";

    private BlockCliDomain Block => (BlockCliDomain)D;

    [Theory]
    [InlineData("raw")]
    [InlineData("cow")]
    public async Task A_preallocated_image_larger_than_the_free_space_fails_with_VG_FULL_and_leaves_nothing(string format)
    {
        var (free, extent) = await Block.VgFreeAsync();
        long size = (free + 1) * extent;

        var result = await D.RunAsync("image", "create", D.Uuid.ToString(), "--size", (size >> 20).ToString(CultureInfo.InvariantCulture) + "M",
            "--format", format, "--allocation", "preallocated");

        // The message says what was asked and what is free, in bytes and extents.
        AssertRefused(result, 1, "VG_FULL", $"domain {D.Uuid} has {free * extent >> 20} MiB free ({free} extents)",
            $"(PREALLOCATED {format.ToUpperInvariant()}, capacity {size >> 20} MiB) needs ");

        // No LV, no metadata slot, no journal entry: the picture holds lvs tags, chains and the journal.
        Assert.Equal(D.Baseline, await D.PictureAsync());
        var check = await D.RunAsync("domain", "check", D.Uuid.ToString());
        Assert.True(check.Succeeded && check.StandardOutput.Contains("no problems", StringComparison.Ordinal), $"{check.StandardOutput}{check.StandardError}");
    }

    /// <summary>
    /// Seed 003's picture: one LV per volume, named by its UUID, tagged exactly
    /// IU_&lt;image&gt;,MD_&lt;slot&gt;,PU_&lt;parent&gt; (the base's parent all zeros), next to the special LVs;
    /// no OVIRT_VOL_INITIALIZING left once the volumes are made.
    /// </summary>
    [Fact]
    public async Task The_lvs_tags_of_a_three_volume_chain_are_VDSMs()
    {
        var lvs = (await Block.LvmAsync("lvs", "--noheadings", "--separator", "|", "--units", "b", "--nosuffix",
                "-o", "lv_name,vg_name,lv_size,lv_tags", D.Uuid.ToString()))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('|'))
            .ToDictionary(f => f[0], f => (Vg: f[1], Size: long.Parse(f[2], CultureInfo.InvariantCulture), Tags: f[3]), StringComparer.Ordinal);

        var volumes = D.Chain.Select(v => v.ToString()).ToList();
        Assert.Equal(BlockDomainLayout.SpecialLvs.Concat(volumes).Order(StringComparer.Ordinal), lvs.Keys.Order(StringComparer.Ordinal));
        Assert.All(lvs.Values, lv => Assert.Equal(D.Uuid.ToString(), lv.Vg));
        Assert.All(BlockDomainLayout.SpecialLvs, name => Assert.Equal("", lvs[name].Tags));

        await using var store = await D.Domain.OpenAsync();
        var stored = (await store.ListAsync(CancellationToken.None)).ToDictionary(v => v.Volume);
        var slots = new HashSet<int>();
        for (int i = 0; i < volumes.Count; i++)
        {
            var lv = lvs[volumes[i]];
            string parent = i == 0 ? NoParent : volumes[i - 1];
            var tags = Regex.Match(lv.Tags, $"^IU_{D.Image},MD_(?<slot>[0-9]+),PU_{parent}$");
            Assert.True(tags.Success, $"LV {volumes[i]}: tags {lv.Tags}, expected IU_{D.Image},MD_<slot>,PU_{parent}");
            int slot = int.Parse(tags.Groups["slot"].Value, CultureInfo.InvariantCulture);
            Assert.True(slots.Add(slot), $"slot {slot} is used twice");
            Assert.Equal(0, lv.Size % BlockDomainLayout.ExtentSize);

            // MD_<slot> is where the volume's own metadata is: it names the same image and parent.
            var md = await store.ReadMetadataAsync(stored[D.Chain[i]] with { Slot = slot }, CancellationToken.None);
            Assert.Equal((D.Image, Guid.Parse(parent)), (md.Image, md.Parent));
        }

        Assert.DoesNotContain(lvs.Values, lv => lv.Tags.Contains(BlockVolumeStore.InitializingTag, StringComparison.Ordinal));
    }
}
