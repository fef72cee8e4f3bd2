namespace Sanpool.Api.Vms;

/// <summary><c>vm.status</c>: one VM of this host, by name.</summary>
public sealed record VmStatusRequest(string Name);
