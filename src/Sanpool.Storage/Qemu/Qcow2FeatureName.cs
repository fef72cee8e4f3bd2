namespace Sanpool.Storage.Qemu;

/// <summary>
/// One entry of the feature name table extension (0x6803f857): which bit of which feature
/// field a name describes, so that tools can name bits they do not know.
/// </summary>
/// <param name="Kind">0 incompatible, 1 compatible, 2 autoclear.</param>
/// <param name="Bit">Bit number 0..63 within that field.</param>
/// <param name="Name">Up to 46 bytes of ASCII, NUL padded on disk.</param>
public sealed record Qcow2FeatureName(byte Kind, byte Bit, string Name);
