namespace Sanpool.Storage.Mailbox;

/// <summary>Which of the master domain's two mailbox areas to open.</summary>
public enum MailboxArea
{
    /// <summary>Requests from hosts to the SPM (and the event block, mailbox 0).</summary>
    Inbox,

    /// <summary>The SPM's replies, in the same slot as each request.</summary>
    Outbox,
}
