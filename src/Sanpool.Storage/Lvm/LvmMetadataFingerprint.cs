using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// A digest of everything an LVM report reads from a set of devices: each device's size and
/// label sectors, and for each of its metadata areas the area header and the metadata text the
/// header points at. Any change LVM commits (a tag, an LV, a resize, pvcreate, vgremove) writes
/// new text and a new header, so equal digests mean an LVM report would read the same metadata.
/// It costs a few direct reads instead of an lvm process (about 30 ms of CPU each); see
/// <see cref="LvmCommand"/>'s report cache.
/// <para>The on-disk layout it reads (all little-endian):</para>
/// <list type="bullet">
/// <item>The label is in one of the first four 512-byte sectors: "LABELONE", its sector
/// (u64), a crc (u32), the offset of the PV header from the label (u32), "LVM2 001".</item>
/// <item>The PV header: the PV UUID (32 bytes), the device size (u64), then two lists of
/// (offset u64, size u64) pairs, each ended by a zero pair: the data areas, then the metadata
/// areas.</item>
/// <item>A metadata area begins with a 512-byte header: checksum (u32), magic (16 bytes),
/// version (u32), the area's start (u64) and size (u64), then (offset u64, size u64, checksum
/// u32, flags u32) entries, ended by zeros. The first entry locates the current metadata
/// text: its offset is from the area's start, and text that runs past the area's end continues
/// right after the header (the area is a ring).</item>
/// </list>
/// Devices that carry no label are digested by their size and first 4 KiB, so a later pvcreate
/// changes the digest too. A device that cannot be read gives no digest: the caller runs lvm.
/// </summary>
internal static class LvmMetadataFingerprint
{
    private const int LabelScan = 4096;
    private const int HeaderSize = 512;

    /// <summary>Metadata text larger than this is not read here: lvm reads it instead.</summary>
    private const long MaxText = 16L << 20;

    /// <summary>
    /// Reads that did not finish within their timeout, by device: a device whose storage hangs
    /// would otherwise collect one stuck read per report. While one is outstanding the device
    /// gives no digest. Guarded by the dictionary itself.
    /// </summary>
    private static readonly ConcurrentDictionary<string, Task> Outstanding = new(StringComparer.Ordinal);

    private static ReadOnlySpan<byte> LabelId => "LABELONE"u8;

    /// <summary>The digest of <paramref name="devices"/>, or null when any of them cannot be read in time.</summary>
    public static async Task<byte[]?> ReadAsync(IReadOnlyList<string> devices, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string device in devices)
        {
            if (Outstanding.TryGetValue(device, out var stuck))
            {
                if (!stuck.IsCompleted)
                {
                    return null;
                }

                Outstanding.TryRemove(new KeyValuePair<string, Task>(device, stuck));
            }

            var read = Task.Run(() => DigestDeviceAsync(device, cancellationToken), cancellationToken);
            try
            {
                byte[]? digest = await read.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                if (digest is null)
                {
                    return null;
                }

                hash.AppendData(Encoding.UTF8.GetBytes(device));
                hash.AppendData(digest);
            }
            catch (TimeoutException)
            {
                Outstanding[device] = read;
                return null;
            }
        }

        return hash.GetHashAndReset();
    }

    private static async Task<byte[]?> DigestDeviceAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var device = DirectBlockDevice.Open(path, readOnly: true);
            return await DigestAsync(device, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SanpoolException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The digest of one device, or null when its metadata cannot be read here.</summary>
    internal static async Task<byte[]?> DigestAsync(IBlockDevice device, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = device.Size;
        Span<byte> sizeBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(sizeBytes, size);
        hash.AppendData(sizeBytes);
        if (size < LabelScan)
        {
            return hash.GetHashAndReset();
        }

        byte[] head = await device.ReadAsync(0, LabelScan, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        hash.AppendData(head);
        if (MetadataAreas(head) is not { } areas)
        {
            return hash.GetHashAndReset();
        }

        foreach (var (offset, length) in areas)
        {
            if (offset < 0 || length < HeaderSize || offset > size - HeaderSize || offset % device.SectorSize != 0)
            {
                return null;
            }

            byte[] header = await ReadAsync(device, offset, HeaderSize, cancellationToken).ConfigureAwait(false);
            hash.AppendData(header);
            long textOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(40));
            long textSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(48));
            if (textSize == 0)
            {
                continue;
            }

            if (textSize > MaxText || textOffset < HeaderSize || textOffset >= length || textSize > length - HeaderSize)
            {
                return null;
            }

            // The text may wrap: from its offset to the area's end, then on after the header.
            long first = Math.Min(textSize, length - textOffset);
            hash.AppendData(await ReadAsync(device, offset + textOffset, first, cancellationToken).ConfigureAwait(false));
            if (first < textSize)
            {
                hash.AppendData(await ReadAsync(device, offset + HeaderSize, textSize - first, cancellationToken).ConfigureAwait(false));
            }
        }

        return hash.GetHashAndReset();
    }

    /// <summary>The (offset, size) of each metadata area the label lists, or null if there is no LVM2 label.</summary>
    internal static List<(long Offset, long Size)>? MetadataAreas(ReadOnlySpan<byte> head)
    {
        for (int sector = 0; sector + HeaderSize <= head.Length; sector += HeaderSize)
        {
            var label = head.Slice(sector, HeaderSize);
            if (!label.StartsWith(LabelId))
            {
                continue;
            }

            int pvHeader = (int)BinaryPrimitives.ReadUInt32LittleEndian(label[20..]);
            if (pvHeader < 32 || pvHeader > HeaderSize - 40)
            {
                return null;
            }

            // Skip the UUID and the device size, then the data areas' list.
            int at = pvHeader + 40;
            var areas = new List<(long, long)>();
            for (int list = 0; list < 2; list++)
            {
                while (true)
                {
                    if (at + 16 > HeaderSize)
                    {
                        return null;
                    }

                    long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(label[at..]);
                    long size = (long)BinaryPrimitives.ReadUInt64LittleEndian(label[(at + 8)..]);
                    at += 16;
                    if (offset == 0 && size == 0)
                    {
                        break;
                    }

                    if (list == 1)
                    {
                        areas.Add((offset, size));
                    }
                }
            }

            return areas;
        }

        return null;
    }

    /// <summary>Reads [offset, offset + length) through sector-aligned I/O.</summary>
    private static async Task<byte[]> ReadAsync(IBlockDevice device, long offset, long length, CancellationToken cancellationToken)
    {
        int sector = device.SectorSize;
        long start = offset / sector * sector;
        long end = Math.Min(device.Size, (offset + length + sector - 1) / sector * sector);
        if (end - start < (offset - start) + length)
        {
            throw new SanpoolException(BlockIoErrors.OutOfRange, $"LVM metadata at {offset} (+{length}) runs past the end of {device.Path}");
        }

        byte[] data = await device.ReadAsync(start, checked((int)(end - start)), Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return data.AsSpan((int)(offset - start), (int)length).ToArray();
    }
}
