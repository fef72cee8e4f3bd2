namespace Sanpool.Storage.Qemu;

/// <summary>
/// <c>qemu-img measure --output json</c>: the bytes a new image of the output format needs
/// for the data that is there now (<c>required</c>) and when fully written
/// (<c>fully-allocated</c>); <c>bitmaps</c> (qcow2 source only) is what its persistent bitmaps add.
/// </summary>
public sealed record QemuImageMeasure(long Required, long FullyAllocated, long? Bitmaps);
