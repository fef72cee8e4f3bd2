namespace Sanpool.Pool.Mailbox;

/// <summary>What the SPM does with a request that arrived in the mailbox.</summary>
public interface IMailHandler
{
    /// <summary>
    /// Grows the volume's LV to at least the request's size (an absolute size, so handling a
    /// request twice never extends twice) and returns its size in MiB afterwards, or 0 when it
    /// could not (the reply then says "failed" and the host keeps waiting). An exception counts
    /// as 0.
    /// </summary>
    Task<long> ExtendAsync(int hostId, ExtendRequest request, CancellationToken cancellationToken);
}
