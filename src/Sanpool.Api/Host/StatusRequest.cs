namespace Sanpool.Api.Host;

/// <summary>
/// <c>status</c>. <see cref="Manager"/>: the caller is the manager polling its host (the engine
/// sets it); a host the manager runs counts the call as the manager being there, and leaves the
/// SPM election to it for another grace period.
/// </summary>
public sealed record StatusRequest(bool? Manager = null);
