namespace Sanpool.Leases.Tests;

/// <summary>Bytes the real sanlock 3.8.5 wrote (see Golden/README.md for how and the values).</summary>
internal static class Golden
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", name));
}
