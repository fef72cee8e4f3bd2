namespace Sanpool.Api.Spm;

/// <summary><c>spm.start</c>: take the SPM role now (and let this host's election run again).</summary>
public sealed record SpmStartRequest;
