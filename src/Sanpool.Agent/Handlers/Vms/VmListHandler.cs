using Sanpool.Agent.Api;
using Sanpool.Api.Vms;

namespace Sanpool.Agent.Handlers.Vms;

/// <summary><c>vm.list</c>: the names of the VMs this host runs.</summary>
internal sealed class VmListHandler(AgentParts parts) : IVerbHandler<VmListRequest, IReadOnlyList<string>>
{
    public Task<IReadOnlyList<string>> HandleAsync(VmListRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(parts.Vms.List());
}
