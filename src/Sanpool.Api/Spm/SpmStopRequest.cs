namespace Sanpool.Api.Spm;

/// <summary><c>spm.stop</c>: give the SPM role up (refused while tasks run) and keep this host's election paused.</summary>
public sealed record SpmStopRequest;
