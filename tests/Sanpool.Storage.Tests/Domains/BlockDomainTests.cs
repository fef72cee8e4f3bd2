using System.Globalization;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Domains.BlockDomainTestDevices;

namespace Sanpool.Storage.Tests.Domains;

/// <summary>
/// Block domains on real loop devices (root, lvm2; sanlock for the interop check). Each test
/// builds its own sparse 8 GiB LUNs and removes its VGs and devices afterwards.
/// </summary>
public sealed class BlockDomainTests
{
    private static readonly string[] SpecialLvs = ["metadata", "ids", "inbox", "outbox", "leases", "xleases", "master"];

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Create_builds_vdsm_vg_with_special_lvs_sealed_tags_and_formatted_leases(int sectorSize)
    {
        await using var luns = await CreateAsync(1, sectorSize);
        var uuid = Guid.NewGuid();
        var info = await BlockDomain.CreateAsync([luns[0]], uuid, "block one", sectorSize, default);
        Assert.Equal((uuid, "ISCSI", "Regular", 5, sectorSize, 1024 * 1024), (info.Uuid, info.Type, info.Role, info.Version, info.BlockSize, info.Alignment));

        var lvm = luns.Lvm();
        var vg = Assert.Single(await lvm.VgsAsync(uuid.ToString()));
        Assert.Equal(BlockDomainLayout.ExtentSize, vg.ExtentSize);
        Assert.Contains("RHAT_storage_domain", vg.Tags);
        Assert.DoesNotContain("RHAT_storage_domain_UNREADY", vg.Tags);

        var lvs = (await lvm.LvsAsync(uuid.ToString())).ToDictionary(l => l.Name);
        Assert.Equal(SpecialLvs.Order(), lvs.Keys.Order());
        Assert.Equal(new LvSegment(0, 1, luns[0], 0), Assert.Single(lvs["metadata"].Segments));
        Assert.Equal(16 * BlockDomainLayout.ExtentSize, lvs["leases"].Size);
        Assert.Equal(8 * BlockDomainLayout.ExtentSize, lvs["master"].Size);

        // The MDT_ tags alone (as VDSM would read them) decode to sealed VDSM metadata.
        var lines = VgTagCodec.FromTags(vg.Tags).Order(StringComparer.Ordinal).ToList();
        Assert.StartsWith("_SHA_CKSUM=", lines[^1], StringComparison.Ordinal);
        var md = DomainMetadata.Parse(lines, "tags");
        var pv = Assert.Single(await lvm.PvsAsync());
        Assert.Equal(vg.Uuid, md["VGUUID"]);
        Assert.Equal(new PvMapping(Path.GetFileName(luns[0]), pv.Uuid, 0, pv.PeCount, 0), PvMapping.Parse(md["PV0"]!));
        Assert.Null(md["LOGBLKSIZE"]);
        Assert.Equal(md.ToLines(), (await BlockDomain.ReadMetadataAsync([luns[0]], uuid, default)).ToLines());

        // The leases, read through the LVs with the lease readers.
        var g = LeaseGeometry.ForSectorSize(sectorSize);
        var io = TimeSpan.FromSeconds(10);
        await using (var ids = await LvBlockDevice.OpenAsync(lvm, uuid.ToString(), "ids", readOnly: true, default))
        {
            var delta = await DeltaLease.ReadAsync(new LeaseDisk(ids, 0, g, io), uuid.ToString(), 1, default);
            Assert.Equal(uuid.ToString(), delta.SpaceName);
        }

        await using (var leases = await LvBlockDevice.OpenAsync(lvm, uuid.ToString(), "leases", readOnly: true, default))
        {
            var sdm = await PaxosLease.ReadLeaderAsync(new LeaseDisk(leases, g.Alignment, g, io), uuid.ToString(), "SDM", 1, default);
            Assert.Equal((uuid.ToString(), "SDM", (uint)sectorSize), (sdm.SpaceName, sdm.ResourceName, sdm.SectorSize));

            // And sanlock itself, reading the PV at the byte where the SDM lease landed.
            Requires.Sanlock();
            var piece = Assert.Single(leases.Map.Slice(g.Alignment, g.Alignment));
            string target = $"{uuid}:SDM:{piece.PvName}:{piece.PvOffset.ToString(CultureInfo.InvariantCulture)}";
            var read = (await ToolRunner.RunAsync("sanlock", ["direct", "read_leader", "-r", target])).EnsureSuccess();
            Assert.Contains("resource_name SDM", read.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Create_on_two_luns_numbers_the_metadata_pv_first()
    {
        await using var luns = await CreateAsync(2);
        var uuid = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[1], luns[0]], uuid, "two", 512, default);
        var md = await BlockDomain.ReadMetadataAsync([luns[0], luns[1]], uuid, default);
        var (pv0, pv1) = (PvMapping.Parse(md["PV0"]!), PvMapping.Parse(md["PV1"]!));
        Assert.Equal((Path.GetFileName(luns[1]), 0L), (pv0.Guid, pv0.MapOffset));
        Assert.Equal((Path.GetFileName(luns[0]), pv0.PeCount), (pv1.Guid, pv1.MapOffset));
        var metadata = Assert.Single(await luns.Lvm().LvsAsync(uuid.ToString(), "metadata"));
        Assert.Equal(new LvSegment(0, 1, luns[1], 0), Assert.Single(metadata.Segments));
    }

    [Fact]
    public async Task Extend_adds_a_pv_and_its_pv_line_and_reseals()
    {
        await using var luns = await CreateAsync(1);
        string second = await luns.AddAsync(1 * GiB);
        var uuid = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[0]], uuid, "grows", 512, default);

        var info = await BlockDomain.ExtendAsync([luns[0]], uuid, second, default);
        Assert.Equal(uuid, info.Uuid);

        var md = await BlockDomain.ReadMetadataAsync([luns[0], second], uuid, default);
        var pvs = (await luns.Lvm().PvsAsync()).ToDictionary(p => p.Name);
        var pv0 = PvMapping.Parse(md["PV0"]!);
        Assert.Equal(new PvMapping(Path.GetFileName(second), pvs[second].Uuid, 0, pvs[second].PeCount, pv0.PeCount), PvMapping.Parse(md["PV1"]!));
        Assert.Equal(2, Assert.Single(await luns.Lvm().VgsAsync(uuid.ToString())).PvCount);

        // Again with the same device: refused, metadata unchanged.
        var again = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.ExtendAsync([luns[0]], uuid, second, default));
        Assert.Equal(CommonErrors.InvalidArgument, again.Code);
        Assert.Equal(md.ToLines(), (await BlockDomain.ReadMetadataAsync([luns[0], second], uuid, default)).ToLines());

        // Seen alone, the second PV (metadata areas ignored) belongs to an unknown VG: not free.
        var alone = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([second], Guid.NewGuid(), "x", 512, default));
        Assert.Equal(StorageErrors.DeviceInUse, alone.Code);
    }

    [Fact]
    public async Task Extend_finishes_an_extend_that_stopped_after_vgextend()
    {
        await using var luns = await CreateAsync(1);
        string second = await luns.AddAsync(1 * GiB);
        var uuid = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[0]], uuid, "half extended", 512, default);
        var lvm = luns.Lvm();
        await lvm.PvCreateAsync([second], BlockDomainLayout.PvMetadataAreaSize, ignoreMetadata: true);
        await lvm.VgExtendAsync(uuid.ToString(), [second]);
        Assert.Null((await BlockDomain.ReadMetadataAsync([luns[0], second], uuid, default))["PV1"]);

        await BlockDomain.ExtendAsync([luns[0]], uuid, second, default);
        var md = await BlockDomain.ReadMetadataAsync([luns[0], second], uuid, default);
        Assert.Equal(Path.GetFileName(second), PvMapping.Parse(md["PV1"]!).Guid);
    }

    [Fact]
    public async Task Extend_refuses_a_device_with_other_sectors_and_changes_nothing()
    {
        await using var luns = await CreateAsync(1);
        string big = await luns.AddAsync(1 * GiB, 4096);
        var uuid = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[0]], uuid, "d", 512, default);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.ExtendAsync([luns[0]], uuid, big, default));
        Assert.Equal(StorageErrors.SectorSizeMismatch, e.Code);
        Assert.Single(await luns.Lvm().PvsAsync());
    }

    [Fact]
    public async Task A_domain_left_unready_by_a_crash_reads_incomplete_and_create_rebuilds_it()
    {
        await using var luns = await CreateAsync(1);
        var uuid = Guid.NewGuid();
        var lvm = luns.Lvm();

        // What a crash after vgcreate and the first lvcreate leaves behind.
        await lvm.PvCreateAsync([luns[0]]);
        await lvm.VgCreateAsync(uuid.ToString(), [luns[0]], BlockDomainLayout.ExtentSize, [BlockDomainLayout.UnreadyTag]);
        await lvm.LvCreateAsync(uuid.ToString(), "metadata", 128 * MiB, []);
        await lvm.LvCreateAsync(uuid.ToString(), "half-made", 128 * MiB, []);

        var incomplete = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.ReadInfoAsync([luns[0]], uuid, default));
        Assert.Equal(StorageErrors.DomainIncomplete, incomplete.Code);

        var info = await BlockDomain.CreateAsync([luns[0]], uuid, "rebuilt", 512, default);
        Assert.Equal("rebuilt", info.Description);
        Assert.Equal(SpecialLvs.Order(), (await lvm.LvsAsync(uuid.ToString())).Select(l => l.Name).Order());
    }

    [Fact]
    public async Task Create_refuses_a_device_of_a_foreign_vg_and_changes_nothing()
    {
        await using var luns = await CreateAsync(2);
        var lvm = luns.Lvm();
        await lvm.PvCreateAsync([luns[1]]);
        await lvm.VgCreateAsync("foreign", [luns[1]], 4 * MiB, ["keep_me"]);
        await lvm.LvCreateAsync("foreign", "data", 8 * MiB, []);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([luns[0], luns[1]], Guid.NewGuid(), "x", 512, default));
        Assert.Equal(StorageErrors.DeviceInUse, e.Code);
        Assert.Contains("foreign", e.Message, StringComparison.Ordinal);

        var pvs = await lvm.PvsAsync();
        Assert.Equal(luns[1], Assert.Single(pvs).Name);
        Assert.Equal(["keep_me"], Assert.Single(await lvm.VgsAsync("foreign")).Tags.AsEnumerable());
        Assert.Equal("data", Assert.Single(await lvm.LvsAsync("foreign")).Name);
    }

    [Fact]
    public async Task Creating_an_existing_domain_fails_and_changes_nothing()
    {
        await using var luns = await CreateAsync(1);
        var uuid = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[0]], uuid, "first", 512, default);
        var before = Assert.Single(await luns.Lvm().VgsAsync(uuid.ToString()));
        var e = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([luns[0]], uuid, "second", 512, default));
        Assert.Equal(StorageErrors.DomainExists, e.Code);
        Assert.Equal(before.Tags.AsEnumerable(), Assert.Single(await luns.Lvm().VgsAsync(uuid.ToString())).Tags.AsEnumerable());
    }

    [Fact]
    public async Task Bad_input_is_refused_before_any_device_is_written()
    {
        await using var luns = await CreateAsync(1, 4096);
        string small = await luns.AddAsync(1 * GiB, 4096);
        var wrongSector = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([luns[0]], Guid.NewGuid(), "x", 512, default));
        Assert.Equal(StorageErrors.SectorSizeMismatch, wrongSector.Code);
        var tooSmall = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([small], Guid.NewGuid(), "x", 4096, default));
        Assert.Equal(CommonErrors.TooSmall, tooSmall.Code);
        var longName = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([luns[0]], Guid.NewGuid(), new string('n', 51), 4096, default));
        Assert.Equal(CommonErrors.InvalidArgument, longName.Code);
        var twice = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([luns[0], luns[0]], Guid.NewGuid(), "x", 4096, default));
        Assert.Equal(CommonErrors.InvalidArgument, twice.Code);
        var badSector = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.CreateAsync([luns[0]], Guid.NewGuid(), "x", 1024, default));
        Assert.Equal("BAD_GEOMETRY", badSector.Code.Name);
        Assert.Empty(await luns.Lvm().PvsAsync());
    }

    [Fact]
    public async Task Metadata_with_a_broken_seal_is_refused_and_a_missing_domain_is_not_found()
    {
        await using var luns = await CreateAsync(1);
        var uuid = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[0]], uuid, "sealed", 512, default);
        await luns.Lvm().VgChangeTagsAsync(uuid.ToString(), ["MDT_ROLE=Master"], ["MDT_ROLE=Regular"]);

        var broken = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.ReadInfoAsync([luns[0]], uuid, default));
        Assert.Equal(StorageErrors.MetadataSealBroken, broken.Code);
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.ReadInfoAsync([luns[0]], Guid.NewGuid(), default));
        Assert.Equal(StorageErrors.DomainNotFound, missing.Code);
    }

    [Fact]
    public async Task Written_metadata_reads_back_sealed_with_only_changed_tags_replaced()
    {
        await using var luns = await CreateAsync(1);
        var uuid = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[0]], uuid, "pool member", 512, default);
        var md = await BlockDomain.ReadMetadataAsync([luns[0]], uuid, default);
        var pool = Guid.NewGuid().ToString();
        var updated = md.With("POOL_UUID", pool).With("ROLE", "Master").With("POOL_DOMAINS", $"{uuid}:Active");

        await BlockDomain.WriteMetadataAsync([luns[0]], uuid, updated, default);
        var read = await BlockDomain.ReadMetadataAsync([luns[0]], uuid, default);
        Assert.Equal(updated.ToLines(), read.ToLines());
        Assert.Equal(pool, (await BlockDomain.ReadInfoAsync([luns[0]], uuid, default)).Pool);
        var tags = Assert.Single(await luns.Lvm().VgsAsync(uuid.ToString())).Tags;
        Assert.Single(tags, t => t.StartsWith("MDT__SHA_CKSUM=", StringComparison.Ordinal));
        Assert.Contains($"MDT_POOL_DOMAINS={uuid}:Active", tags);
    }
}
