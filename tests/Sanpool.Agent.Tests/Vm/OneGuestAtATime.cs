namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// The test classes that boot a guest under TCG (qemu's emulated CPU). A guest keeps a core
/// busy for as long as it runs, and two at once on 2 cores starve each other and the lease
/// renewals of every other test; so these run one after another, while the classes that mostly
/// wait fill the other slots (<c>TestParallelism.cs</c>).
/// </summary>
[CollectionDefinition(Name)]
public sealed class OneGuestAtATime
{
    public const string Name = "Guests under TCG, one at a time";
}
