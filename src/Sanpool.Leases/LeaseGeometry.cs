using Sanpool.Core;

namespace Sanpool.Leases;

/// <summary>
/// A sector size and alignment pair: the size of one lockspace or resource area and how many
/// hosts it holds. sanlock accepts exactly these pairs:
/// <code>
///  sector  align  max hosts  leader flag
///   512     1M     2000      0x10
///   4096    1M      250      0x10
///   4096    2M      500      0x20
///   4096    4M     1000      0x40
///   4096    8M     2000      0x80
/// </code>
/// A leader with no ALIGN flag is legacy: 512 means 1M, 4096 means 8M.
/// </summary>
public sealed record LeaseGeometry
{
    public const int MiB = 1024 * 1024;

    private LeaseGeometry(int sectorSize, int alignment)
    {
        SectorSize = sectorSize;
        Alignment = alignment;
    }

    public int SectorSize { get; }

    /// <summary>Bytes in one area; areas start at multiples of it.</summary>
    public int Alignment { get; }

    /// <summary>Host slots: one sector each in a lockspace; sectors 2.. in a resource.</summary>
    public int MaxHosts => Alignment / MiB * (SectorSize == 512 ? 2000 : 250);

    public uint AlignFlag => (uint)(Alignment / MiB) << 4;

    public static readonly LeaseGeometry Default512 = new(512, MiB);

    public static LeaseGeometry Create(int sectorSize, int alignment)
    {
        bool ok = (sectorSize, alignment / MiB, alignment % MiB) switch
        {
            (512, 1, 0) => true,
            (4096, 1 or 2 or 4 or 8, 0) => true,
            _ => false,
        };
        if (!ok)
        {
            throw new SanpoolException(LeaseErrors.BadGeometry,
                $"sector size {sectorSize} with alignment {FormatAlignment(alignment)} is not a valid pair " +
                "(valid: 512/1M, 4096/1M, 4096/2M, 4096/4M, 4096/8M)");
        }

        return new LeaseGeometry(sectorSize, alignment);
    }

    /// <summary>The geometry a leader record says it was written with.</summary>
    public static LeaseGeometry FromLeader(uint sectorSize, uint flags)
    {
        if (sectorSize is not (512 or 4096))
        {
            throw new SanpoolException(LeaseErrors.LeaderSectorSize, $"leader sector size {sectorSize} is neither 512 nor 4096");
        }

        int alignMiB = ((flags >> 4) & 0xF) switch
        {
            0x1 => 1,
            0x2 => 2,
            0x4 => 4,
            0x8 => 8,
            0 => sectorSize == 512 ? 1 : 8,
            _ => throw new SanpoolException(LeaseErrors.BadGeometry, $"leader flags 0x{flags:x} name no single alignment"),
        };
        return Create((int)sectorSize, alignMiB * MiB);
    }

    /// <summary>Parses "1M", "2M", "4M", "8M" (as sanlock's -A).</summary>
    public static int ParseAlignment(string text) => text.Trim().ToUpperInvariant() switch
    {
        "1M" => MiB,
        "2M" => 2 * MiB,
        "4M" => 4 * MiB,
        "8M" => 8 * MiB,
        _ => throw CommonErrors.Invalid($"alignment '{text}' is not one of 1M, 2M, 4M, 8M"),
    };

    /// <summary>The default alignment for a sector size when none is given: 1M.</summary>
    public static LeaseGeometry ForSectorSize(int sectorSize, int? alignment = null) =>
        Create(sectorSize, alignment ?? MiB);

    public static string FormatAlignment(int alignment) =>
        alignment % MiB == 0 ? $"{alignment / MiB}M" : $"{alignment}B";

    public override string ToString() => $"{SectorSize}/{FormatAlignment(Alignment)}";
}
