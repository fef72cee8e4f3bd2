namespace Sanpool.Api.DataPath;

/// <summary><c>mailbox.wake</c>: always true; the mailbox is read at once.</summary>
public sealed record MailboxWakeReply(bool Woken);
