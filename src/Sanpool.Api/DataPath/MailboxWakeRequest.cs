namespace Sanpool.Api.DataPath;

/// <summary><c>mailbox.wake</c>: another agent's hint that mail waits in the storage mailbox (no data travels with it).</summary>
public sealed record MailboxWakeRequest;
