using Sanpool.Agent.Api;
using Sanpool.Api.DataPath;

namespace Sanpool.Agent.Handlers.DataPath;

/// <summary><c>mailbox.wake</c>: reads the storage mailbox now instead of at the next poll.</summary>
internal sealed class MailboxWakeHandler(AgentParts parts) : IVerbHandler<MailboxWakeRequest, MailboxWakeReply>
{
    public Task<MailboxWakeReply> HandleAsync(MailboxWakeRequest request, CancellationToken cancellationToken)
    {
        parts.DataPath.Wake();
        return Task.FromResult(new MailboxWakeReply(true));
    }
}
