using Sanpool.Agent.Api;
using Sanpool.Api.Vms;

namespace Sanpool.Agent.Handlers.Vms;

/// <summary><c>vm.status</c>: one VM of this host.</summary>
internal sealed class VmStatusHandler(AgentParts parts) : IVerbHandler<VmStatusRequest, VmStatusReply>
{
    public Task<VmStatusReply> HandleAsync(VmStatusRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return parts.Vms.StatusAsync(request.Name, cancellationToken);
    }
}
