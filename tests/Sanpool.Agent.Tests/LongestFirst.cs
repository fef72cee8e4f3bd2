using Sanpool.Agent.Tests.Vm;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Sanpool.Agent.Tests;

/// <summary>
/// Starts the longest test collections first (<c>TestParallelism.cs</c> runs three at once), so
/// that the short ones fill the slots at the end instead of one long collection running alone:
/// the TCG guests one after another (about 6 min), then the classes that wait out host_dead or
/// run many tasks (2-5 min each, measured on 2 cores). The rest keep xunit's order.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    /// <summary>Longest first; a per-class collection is named after its class.</summary>
    private static readonly string[] Longest =
    [
        OneGuestAtATime.Name,
        "Failover.FreezeTests",
        "Pools.ConcurrentRequestTests",
        "Failover.ConcurrentCrashTests",
        "Failover.StorageLossTests",
        "Failover.CrashPointTests",
        "Failover.CrashTests",
        "Failover.ContentionTests",
        "Failover.RefusalTests",
    ];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections)
    {
        ArgumentNullException.ThrowIfNull(testCollections);
        return testCollections
            .Select((collection, index) => (Collection: collection, Index: index, Rank: Rank(collection.DisplayName)))
            .OrderBy(c => c.Rank)
            .ThenBy(c => c.Index)
            .Select(c => c.Collection);
    }

    private static int Rank(string displayName)
    {
        int rank = Array.FindIndex(Longest, name => displayName.StartsWith(name, StringComparison.Ordinal) || displayName.Contains($".{name}", StringComparison.Ordinal));
        return rank < 0 ? Longest.Length : rank;
    }
}
