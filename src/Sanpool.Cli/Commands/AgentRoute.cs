using Sanpool.Api.Client;

namespace Sanpool.Cli.Commands;

/// <summary>
/// A structural verb's way to an agent: the client, whether to follow the task to its end, and
/// the request's "forward". Given with <c>--agent</c> it is what the options say; found on this
/// host (<see cref="AgentDiscovery"/>) it waits and forwards, so the verb reads as it does on the
/// storage path: it ends when the change is made, whichever host is SPM.
/// </summary>
internal sealed class AgentRoute(AgentClient client, bool wait, bool? forward) : IDisposable
{
    public AgentClient Client { get; } = client;

    public bool Wait { get; } = wait;

    public bool? Forward { get; } = forward;

    public void Dispose() => Client.Dispose();
}
