using Sanpool.Agent;
using Sanpool.Core;

namespace Sanpool.Harness;

/// <summary>
/// The SPM witness of the contention tests: an agent started with <see cref="Variable"/> set
/// enters that <see cref="WitnessFile"/> as soon as its role holds the SDM lease and leaves it
/// right before the role lets the lease go. Two agents inside at once is a violation the test
/// reads back, proven without trusting the lease code under test. The hook lives here, not in
/// the role: an agent without the variable carries none of it.
/// </summary>
public static class SpmWitness
{
    public const string Variable = "SANPOOL_SPM_WITNESS";

    /// <summary>Installs the witness on <paramref name="agent"/> when the environment names a witness file.</summary>
    public static void AttachFromEnvironment(HostAgent agent, int hostId)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } path)
        {
            return;
        }

        string holder = $"host{hostId}/pid{Environment.ProcessId}";
        agent.RoleCreated += role =>
        {
            role.LeaseHeld += () => WitnessFile.TryEnter(path, holder, out _);
            role.LeaseReleasing += () => WitnessFile.Exit(path, holder);
        };
    }
}
