namespace Sanpool.Storage.Tests.Volumes;

internal sealed partial class TestDomain
{
    private Task CreateBlockAsync(int sectorSize) => throw new NotSupportedException("block domains: not yet");

    private Task AddBlockDomainAsync(Guid uuid, int sectorSize) => throw new NotSupportedException("block domains: not yet");
}
