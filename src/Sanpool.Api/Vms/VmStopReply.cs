namespace Sanpool.Api.Vms;

/// <summary><c>vm.stop</c>: the VM stopped, and whether its image was torn down.</summary>
public sealed record VmStopReply(string Name, bool Stopped, bool TornDown);
