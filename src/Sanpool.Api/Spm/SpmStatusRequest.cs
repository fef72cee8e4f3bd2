namespace Sanpool.Api.Spm;

/// <summary><c>spm.status</c>: takes nothing.</summary>
public sealed record SpmStatusRequest;
