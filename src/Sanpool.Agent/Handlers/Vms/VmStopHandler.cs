using Sanpool.Agent.Api;
using Sanpool.Api.Vms;

namespace Sanpool.Agent.Handlers.Vms;

/// <summary><c>vm.stop</c>: kills the VM's qemu and tears its image down unless asked not to.</summary>
internal sealed class VmStopHandler(AgentParts parts) : IVerbHandler<VmStopRequest, VmStopReply>
{
    public Task<VmStopReply> HandleAsync(VmStopRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return parts.Vms.StopAsync(request.Name, request.Teardown ?? true, cancellationToken);
    }
}
