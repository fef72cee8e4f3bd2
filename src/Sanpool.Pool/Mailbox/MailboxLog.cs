using Microsoft.Extensions.Logging;

namespace Sanpool.Pool.Mailbox;

/// <summary>The mailbox's log lines, event ids 800 .. 819. Each names the host and, where there is one, the domain and volume.</summary>
internal static partial class MailboxLog
{
    [LoggerMessage(EventId = 800, Level = LogLevel.Debug, Message = "mailbox: host {HostId} asks the SPM to extend {Domain}/{Volume} to {SizeMiB} MiB (slot {Slot})")]
    public static partial void Requested(this ILogger logger, int hostId, Guid domain, Guid volume, long sizeMiB, int slot);

    [LoggerMessage(EventId = 801, Level = LogLevel.Debug, Message = "mailbox: host {HostId}: the SPM extended {Domain}/{Volume} to {SizeMiB} MiB (slot {Slot})")]
    public static partial void Extended(this ILogger logger, int hostId, Guid domain, Guid volume, long sizeMiB, int slot);

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "mailbox: host {HostId}: the SPM could not extend {Domain}/{Volume} to {SizeMiB} MiB (slot {Slot}); still waiting")]
    public static partial void ExtendFailed(this ILogger logger, int hostId, Guid domain, Guid volume, long sizeMiB, int slot);

    [LoggerMessage(EventId = 803, Level = LogLevel.Information, Message = "mailbox: host {HostId} re-sends {Domain}/{Volume} to {SizeMiB} MiB in slot {Slot} (was slot {OldSlot}, no success for {Seconds:0.#} s)")]
    public static partial void Resent(this ILogger logger, int hostId, Guid domain, Guid volume, long sizeMiB, int slot, int oldSlot, double seconds);

    [LoggerMessage(EventId = 804, Level = LogLevel.Warning, Message = "mailbox: host {HostId}: cannot use the mailbox on {Device}: {Error} ({Count} time(s) so far; logged once a minute)")]
    public static partial void ClientIoFailed(this ILogger logger, int hostId, string device, string error, long count);

    [LoggerMessage(EventId = 805, Level = LogLevel.Debug, Message = "mailbox: host {HostId} withdrew {Domain}/{Volume} to {SizeMiB} MiB (slot {Slot}): nobody waits for it")]
    public static partial void Withdrawn(this ILogger logger, int hostId, Guid domain, Guid volume, long sizeMiB, int slot);

    [LoggerMessage(EventId = 810, Level = LogLevel.Information, Message = "mailbox SPM: host {HostId} asked to extend {Domain}/{Volume} to {SizeMiB} MiB (slot {Slot}): {Result}")]
    public static partial void Handled(this ILogger logger, int hostId, Guid domain, Guid volume, long sizeMiB, int slot, string result);

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "mailbox SPM: host {HostId}'s mailbox has a bad checksum; its mail is ignored until it is whole again ({Count} time(s) so far; logged once a minute): {Error}")]
    public static partial void BadChecksum(this ILogger logger, int hostId, long count, string error);

    [LoggerMessage(EventId = 812, Level = LogLevel.Warning, Message = "mailbox SPM: host {HostId} slot {Slot} holds no known message ({Count} time(s) so far; logged once a minute)")]
    public static partial void UnknownMessage(this ILogger logger, int hostId, int slot, long count);

    [LoggerMessage(EventId = 813, Level = LogLevel.Error, Message = "mailbox SPM: cannot use the mailbox on {Device}: {Error} ({Count} time(s) so far; logged once a minute)")]
    public static partial void ServerIoFailed(this ILogger logger, string device, string error, long count);

    [LoggerMessage(EventId = 814, Level = LogLevel.Error, Message = "mailbox SPM: extending {Domain}/{Volume} for host {HostId} failed")]
    public static partial void HandlerFailed(this ILogger logger, Exception error, int hostId, Guid domain, Guid volume);

    [LoggerMessage(EventId = 815, Level = LogLevel.Information, Message = "mailbox SPM: serving host ids 1..{MaxHostId} on {Inbox} / {Outbox}")]
    public static partial void ServerStarted(this ILogger logger, int maxHostId, string inbox, string outbox);
}
