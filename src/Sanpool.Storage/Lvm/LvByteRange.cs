namespace Sanpool.Storage.Lvm;

/// <summary>
/// <see cref="Length"/> bytes of an LV starting at <see cref="LvOffset"/>, stored on the PV
/// <see cref="PvName"/> at byte <see cref="PvOffset"/>.
/// </summary>
public sealed record LvByteRange(long LvOffset, long Length, string PvName, long PvOffset)
{
    public long LvEnd => LvOffset + Length;
}
