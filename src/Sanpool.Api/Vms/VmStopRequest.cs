namespace Sanpool.Api.Vms;

/// <summary><c>vm.stop</c>: kill the VM's qemu and, unless <see cref="Teardown"/> is false, tear its image down.</summary>
public sealed record VmStopRequest(string Name, bool? Teardown = null);
