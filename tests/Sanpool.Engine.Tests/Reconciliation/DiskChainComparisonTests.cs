using Sanpool.Api.Pools;
using Sanpool.Engine.Model;
using Sanpool.Engine.Reconciliation;
using Sanpool.Engine.Tests.Data;

namespace Sanpool.Engine.Tests.Reconciliation;

/// <summary>Each class of difference between a disk's rows and its chain on storage, made on purpose, is found and classified; a sound chain has none.</summary>
public sealed class DiskChainComparisonTests
{
    private static readonly Guid Domain = Guid.NewGuid();

    [Fact]
    public void A_chain_every_view_agrees_on_has_no_difference_and_shows_each_parent_four_ways()
    {
        var (disk, rows, storage) = Sound(3);

        var report = DiskChainComparison.Compare(disk, rows, jobRunning: false, storage);

        Assert.True(report.Agrees, string.Join("; ", report.Differences.Select(d => d.Detail)));
        Assert.Equal(rows.Select(r => r.ImageGuid), report.Volumes.Select(v => v.Id));
        Assert.All(report.Volumes, v => Assert.True(v.ParentAgrees));
        var top = report.Volumes[^1];
        Assert.Equal(rows[1].ImageGuid, top.Database!.Parent);
        Assert.Equal(rows[1].ImageGuid, top.Metadata!.Parent);
        Assert.Equal(rows[1].ImageGuid, top.LvTags!.Parent);
        Assert.Equal(rows[1].ImageGuid.ToString(), top.Qcow2!.BackingFile);
        Assert.Equal(Domain, report.ReadFrom);
    }

    [Fact]
    public void A_volume_removed_behind_the_engines_back_is_missing_on_storage_with_a_safe_fix()
    {
        var (disk, rows, storage) = Sound(2);
        storage = storage with
        {
            Volumes = [.. storage.Volumes.Where(v => v.Id != rows[1].ImageGuid)],
            Chains = [new ChainView { Image = disk, Volumes = [rows[0].ImageGuid] }],
        };

        var difference = Assert.Single(DiskChainComparison.Compare(disk, rows, false, storage).Differences);

        Assert.Equal((ChainDifferenceKind.MissingOnStorage, rows[1].ImageGuid, true), (difference.Kind, difference.Volume, difference.Safe));
    }

    [Fact]
    public void A_snapshot_the_database_never_heard_of_is_added_by_a_safe_fix_and_a_volume_outside_the_chain_waits_for_an_admin()
    {
        var (disk, rows, storage) = Sound(2);
        var inChain = Assert.Single(DiskChainComparison.Compare(disk, [rows[0] with { Active = true }], false, storage).Differences);
        var stray = storage.Volumes[1] with { Id = Guid.NewGuid(), Metadata = storage.Volumes[1].Metadata! with { Voltype = "LEAF" } };
        var outside = Assert.Single(DiskChainComparison.Compare(disk, rows, false, storage with { Volumes = [.. storage.Volumes, stray] }).Differences);

        Assert.Equal((ChainDifferenceKind.OrphanOnStorage, rows[1].ImageGuid, true), (inChain.Kind, inChain.Volume, inChain.Safe));
        Assert.Equal((ChainDifferenceKind.OrphanOnStorage, stray.Id, false), (outside.Kind, outside.Volume, outside.Safe));
    }

    [Fact]
    public void A_parent_edited_in_the_database_differs_and_the_storage_parent_is_the_safe_fix()
    {
        var (disk, rows, storage) = Sound(3);
        var edited = rows.ToList();
        edited[2] = edited[2] with { ParentId = rows[0].ImageGuid };

        var report = DiskChainComparison.Compare(disk, edited, false, storage);

        var difference = Assert.Single(report.Differences);
        Assert.Equal((ChainDifferenceKind.ParentDiffers, rows[2].ImageGuid, true), (difference.Kind, difference.Volume, difference.Safe));
        Assert.False(report.Volumes[2].ParentAgrees);
        Assert.True(report.Volumes[1].ParentAgrees);
    }

    [Fact]
    public void A_qcow2_header_pointing_elsewhere_differs_and_its_fix_is_not_safe()
    {
        var (disk, rows, storage) = Sound(2);
        storage = storage with
        {
            Volumes = [.. storage.Volumes.Select(v => v.Id == rows[1].ImageGuid ? v with { Qcow2 = v.Qcow2! with { BackingFile = Guid.NewGuid().ToString() } } : v)],
        };

        var difference = Assert.Single(DiskChainComparison.Compare(disk, rows, false, storage).Differences);

        Assert.Equal((ChainDifferenceKind.ParentDiffers, false), (difference.Kind, difference.Safe));
    }

    [Fact]
    public void Legality_size_and_a_lock_without_a_job_are_each_found()
    {
        var (disk, rows, storage) = Sound(2);
        var edited = new List<Image> { rows[0] with { Size = rows[0].Size * 2 }, rows[1] with { ImageStatus = ImageStatus.LOCKED } };
        storage = storage with
        {
            Volumes = [.. storage.Volumes.Select(v => v.Id == rows[1].ImageGuid ? v with { Metadata = v.Metadata! with { Legality = "ILLEGAL" } } : v)],
        };

        var kinds = DiskChainComparison.Compare(disk, edited, false, storage).Differences.Select(d => d.Kind).Order();
        var whileRunning = DiskChainComparison.Compare(disk, edited, true, storage).Differences.Select(d => d.Kind).Order();

        Assert.Equal([ChainDifferenceKind.LockedWithoutJob, ChainDifferenceKind.IllegalOnStorage, ChainDifferenceKind.SizeDiffers], kinds);
        Assert.DoesNotContain(ChainDifferenceKind.LockedWithoutJob, whileRunning);
    }

    [Fact]
    public void An_illegal_row_over_a_legal_volume_and_a_broken_storage_chain_are_found()
    {
        var (disk, rows, storage) = Sound(2);
        var illegal = new List<Image> { rows[0], rows[1] with { ImageStatus = ImageStatus.ILLEGAL } };
        var broken = storage with { Chains = [new ChainView { Image = disk, Volumes = [rows[0].ImageGuid], Error = "two leaves" }] };

        Assert.Equal(ChainDifferenceKind.IllegalInDatabase, Assert.Single(DiskChainComparison.Compare(disk, illegal, false, storage).Differences).Kind);
        Assert.Equal(ChainDifferenceKind.BrokenOnStorage, Assert.Single(DiskChainComparison.Compare(disk, rows, false, broken).Differences).Kind);
    }

    /// <summary>A disk of <paramref name="count"/> volumes whose rows and storage agree.</summary>
    private static (Guid Disk, IReadOnlyList<Image> Rows, DomainVolumesReply Storage) Sound(int count)
    {
        var disk = Guid.NewGuid();
        var rows = new List<Image>();
        for (int i = 0; i < count; i++)
        {
            bool leaf = i == count - 1;
            rows.Add(Sample.BaseImage(disk, null) with
            {
                ParentId = i == 0 ? Guid.Empty : rows[i - 1].ImageGuid,
                VolumeFormat = VolumeFormat.COW,
                VolumeType = VolumeType.Sparse,
                Active = leaf,
                VolumeClassification = leaf ? VolumeClassification.Volume : VolumeClassification.Snapshot,
                SequenceNumber = i + 1,
            });
        }

        var volumes = rows.Select((r, i) => new VolumeView
        {
            Id = r.ImageGuid,
            Image = disk,
            Metadata = new VolumeMetadataView
            {
                Image = disk, Parent = r.ParentId, Voltype = i == count - 1 ? "LEAF" : "INTERNAL", Format = "COW", Type = "SPARSE", Legality = "LEGAL", Capacity = r.Size,
            },
            Storage = new VolumeStorageView { Size = 1L << 27, Truesize = 1L << 27, TagParent = r.ParentId, MetadataSlot = 4 + i },
            Qcow2 = new Qcow2HeaderView { Version = 3, Size = r.Size, BackingFile = r.ParentId == Guid.Empty ? null : r.ParentId.ToString(), BackingFormat = r.ParentId == Guid.Empty ? null : "qcow2" },
        }).ToList();
        var storage = new DomainVolumesReply { Domain = Domain, Volumes = volumes, Chains = [new ChainView { Image = disk, Volumes = [.. rows.Select(r => r.ImageGuid)] }] };
        return (disk, rows, storage);
    }
}
