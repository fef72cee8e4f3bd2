using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Sanpool.Bench;

/// <summary>
/// A <c>struct sanlk_resource</c> with one <c>struct sanlk_disk</c>, laid out by hand in native
/// memory (x86-64, little-endian, as sanlock.h declares them):
/// <code>
/// sanlk_resource: lockspace_name char[48] @0, name char[48] @48, lver u64 @96, data64 u64 @104,
///                 data32 u32 @112, unused u32 @116, flags u32 @120, num_disks u32 @124  (128 bytes)
/// sanlk_disk:     path char[1024] @0, offset u64 @1024, pad1 u32 @1032, pad2 u32 @1036  (1040 bytes)
/// </code>
/// </summary>
internal sealed class SanlkResource : IDisposable
{
    private const int NameLength = 48;
    private const int LockspaceNameOffset = 0;
    private const int NameOffset = LockspaceNameOffset + NameLength;
    private const int LverOffset = NameOffset + NameLength;
    private const int Data64Offset = LverOffset + 8;
    private const int Data32Offset = Data64Offset + 8;
    private const int UnusedOffset = Data32Offset + 4;
    private const int FlagsOffset = UnusedOffset + 4;
    private const int NumDisksOffset = FlagsOffset + 4;
    private const int ResourceSize = NumDisksOffset + 4;

    private const int PathLength = 1024;
    private const int DiskPathOffset = 0;
    private const int DiskOffsetOffset = DiskPathOffset + PathLength;
    private const int DiskSize = DiskOffsetOffset + 8 + 4 + 4;

    public const int Size = ResourceSize + DiskSize;

    public SanlkResource(string lockspace, string name, string path, long offset)
    {
        Pointer = Marshal.AllocHGlobal(Size);
        var bytes = new byte[Size];
        Put(bytes.AsSpan(LockspaceNameOffset, NameLength), lockspace, terminated: false);
        Put(bytes.AsSpan(NameOffset, NameLength), name, terminated: false);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NumDisksOffset), 1);
        Put(bytes.AsSpan(ResourceSize + DiskPathOffset, PathLength), path, terminated: true);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(ResourceSize + DiskOffsetOffset), (ulong)offset);
        Marshal.Copy(bytes, 0, Pointer, Size);
    }

    public nint Pointer { get; private set; }

    private static void Put(Span<byte> field, string text, bool terminated)
    {
        int max = terminated ? field.Length - 1 : field.Length;
        if (Encoding.UTF8.GetByteCount(text) > max)
        {
            throw new ArgumentException($"'{text}' does not fit in {field.Length} bytes");
        }

        Encoding.UTF8.GetBytes(text, field);
    }

    public void Dispose()
    {
        if (Pointer != 0)
        {
            Marshal.FreeHGlobal(Pointer);
            Pointer = 0;
        }
    }
}
