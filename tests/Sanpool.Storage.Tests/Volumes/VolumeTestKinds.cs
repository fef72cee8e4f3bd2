namespace Sanpool.Storage.Tests.Volumes;

/// <summary>The domain kinds and sector sizes every volume test runs on.</summary>
internal static class VolumeTestKinds
{
    public static TheoryData<string, int> All => new()
    {
        { "file", 512 },
        { "file", 4096 },
        { "block", 512 },
        { "block", 4096 },
    };
}
