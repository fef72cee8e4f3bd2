namespace Sanpool.Api.Vms;

/// <summary><c>vm.list</c>: the names of the VMs this host runs.</summary>
public sealed record VmListRequest;
