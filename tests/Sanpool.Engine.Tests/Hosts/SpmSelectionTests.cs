using Sanpool.Engine.Hosts;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>Which host the engine makes SPM: the highest priority, random among equals, -1 never.</summary>
public sealed class SpmSelectionTests
{
    private sealed record Host(string Name, int Priority);

    [Fact]
    public void The_highest_priority_wins_and_priority_minus_one_is_never_picked()
    {
        Host[] hosts = [new("a", 3), new("b", 7), new("c", -1), new("d", 0)];
        var random = new Random(1);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal("b", SpmSelection.Pick(hosts, h => h.Priority, random)!.Name);
        }

        Assert.Null(SpmSelection.Pick([new Host("never", -1), new Host("nor", -1)], h => h.Priority, random));
        Assert.Null(SpmSelection.Pick(Array.Empty<Host>(), h => h.Priority, random));
        Assert.Equal("d", SpmSelection.Pick([new Host("c", -1), new Host("d", 0)], h => h.Priority, random)!.Name);
    }

    [Fact]
    public void Hosts_of_equal_priority_are_picked_at_random_and_a_lower_one_never()
    {
        Host[] hosts = [new("a", 5), new("b", 5), new("c", 5), new("low", 4)];
        var random = new Random(20261205);
        var picked = Enumerable.Range(0, 300).Select(_ => SpmSelection.Pick(hosts, h => h.Priority, random)!.Name)
            .GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["a", "b", "c"], picked.Keys.Order());
        // Each about a third: a fixed order (always the first) would give one of them all 300.
        Assert.All(picked.Values, n => Assert.InRange(n, 60, 140));
    }
}
