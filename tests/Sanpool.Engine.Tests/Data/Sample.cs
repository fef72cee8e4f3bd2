using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>Rows for tests, every column set (nullable ones too, unless a test says otherwise).</summary>
internal static class Sample
{
    /// <summary>A time with microseconds, as the databases keep it.</summary>
    public static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 12, 5, 18, 30, 15, TimeSpan.Zero).AddTicks(1_234_560);

    public static StoragePool Pool(string name = "dc1") =>
        new(Guid.NewGuid(), name, "the data center", StoragePoolStatus.Up, 3, Guid.NewGuid(), "4.7", T0, T0.AddMinutes(1));

    public static StorageDomainStatic Domain(string name = "sd1") =>
        new(Guid.NewGuid(), "vg-" + name, name, StorageDomainType.Data, StorageType.ISCSI, "5", 10, 5, 4096, true, false, T0, null);

    public static VdsStatic Host(string name, Guid? poolId = null) =>
        new(Guid.NewGuid(), name, name + ".example", "/run/sanpool/" + name + ".sock", null, VdsStatic.DefaultSpmPriority, poolId, T0, null);

    public static VmStatic Vm(string name) =>
        new(Guid.NewGuid(), name, VmEntityType.VM, Guid.Empty, 2048, "a VM", T0, null);

    public static BaseDisk Disk(string alias = "disk1") =>
        new(Guid.NewGuid(), alias, "a disk", false, true, DiskContentType.DATA);

    /// <summary>A disk's base volume: RAW and preallocated, OK, active, sequence 1.</summary>
    public static Image BaseImage(Guid diskId, Guid? snapshotId, long size = 1L << 30) =>
        new(Guid.NewGuid(), T0, size, Guid.Empty, Guid.Empty, ImageStatus.OK, T0, snapshotId, VolumeType.Preallocated, VolumeFormat.RAW,
            diskId, true, VolumeClassification.Volume, 1);
}
