namespace Sanpool.Api.DataPath;

/// <summary><c>domain.extend</c>: the domain grown, the device added, and how many volumes were waiting for space.</summary>
public sealed record DomainExtendReply(Guid Uuid, string Device, int WaitingVolumes)
{
    public int? ForwardedTo { get; init; }
}
