using Sanpool.Agent.Api;
using Sanpool.Api.Vms;

namespace Sanpool.Agent.Handlers.Vms;

/// <summary><c>vm.start</c>: a VM on a prepared image of this host.</summary>
internal sealed class VmStartHandler(AgentParts parts) : IVerbHandler<VmStartRequest, VmStatusReply>
{
    public Task<VmStatusReply> HandleAsync(VmStartRequest request, CancellationToken cancellationToken) =>
        parts.Vms.StartAsync(request, cancellationToken);
}
