using System.Text.Json.Nodes;
using Sanpool.Agent.Events;

namespace Sanpool.Agent.Tests.Events;

public sealed class AgentEventsTests
{
    [Fact]
    public void Events_come_back_after_the_number_asked_for_oldest_first_with_their_fields()
    {
        var events = new AgentEvents(TimeProvider.System);
        events.Publish("vm.paused", new Dictionary<string, JsonNode?> { ["vm"] = "a" });
        long second = events.Publish("extend.nospace", new Dictionary<string, JsonNode?> { ["volume"] = "v", ["size_mib"] = 256 });
        events.Publish("vm.resumed", new Dictionary<string, JsonNode?> { ["vm"] = "a" });

        var after = events.Since(1);

        Assert.Equal(["extend.nospace", "vm.resumed"], after.Select(e => (string)e!["kind"]!));
        Assert.Equal(second, (long)after[0]!["seq"]!);
        Assert.Equal(256, (int)after[0]!["size_mib"]!);
        Assert.Empty(events.Since(events.Last));
    }

    [Fact]
    public void Only_the_newest_are_kept_and_a_late_reader_sees_the_gap_in_the_numbers()
    {
        var events = new AgentEvents(TimeProvider.System);
        for (int i = 0; i < AgentEvents.Capacity + 10; i++)
        {
            events.Publish("tick", new Dictionary<string, JsonNode?>());
        }

        var all = events.Since(0);

        Assert.Equal(AgentEvents.Capacity, all.Count);
        Assert.Equal(11, (long)all[0]!["seq"]!);
    }
}
