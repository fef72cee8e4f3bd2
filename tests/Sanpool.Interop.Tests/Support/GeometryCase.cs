using System.Globalization;
using Sanpool.Leases;

namespace Sanpool.Interop.Tests.Support;

/// <summary>
/// Where a lease area lives in a test: a regular file or a loop device, with a sector size
/// and alignment. Written as "file-512-1M" or "loop-4096-8M" so that it reads well as theory data.
/// </summary>
internal sealed record GeometryCase(bool OnLoopDevice, int SectorSize, string Align)
{
    /// <summary>Every geometry sanlock supports, on the kind of storage that can carry it.</summary>
    public static readonly string[] All = ["file-512-1M", "loop-512-1M", "loop-4096-1M", "loop-4096-2M", "loop-4096-4M", "loop-4096-8M"];

    public static TheoryData<string> Theory => [.. All];

    public int Alignment => LeaseGeometry.ParseAlignment(Align);

    /// <summary>Lockspace at 0, resource at one alignment, and one more area that must stay zero.</summary>
    public long DeviceSize => 3L * Alignment;

    public const long LockspaceOffset = 0;

    public long ResourceOffset => Alignment;

    public string SectorArg => SectorSize.ToString(CultureInfo.InvariantCulture);

    /// <summary>The -Z and -A arguments both tools take.</summary>
    public string[] GeometryArgs => ["-Z", SectorArg, "-A", Align];

    public int MaxHosts => LeaseGeometry.Create(SectorSize, Alignment).MaxHosts;

    public static GeometryCase Parse(string text)
    {
        string[] parts = text.Split('-');
        return new GeometryCase(parts[0] == "loop", int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]);
    }

    public override string ToString() => $"{(OnLoopDevice ? "loop" : "file")}-{SectorSize}-{Align}";
}
