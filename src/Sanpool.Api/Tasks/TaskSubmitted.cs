namespace Sanpool.Api.Tasks;

/// <summary>
/// What every structural verb answers at once: the task it became (queued or running), and,
/// when a host that is not SPM forwarded the request, the SPM's host id it went to.
/// </summary>
public sealed record TaskSubmitted(TaskInfo Task)
{
    public int? ForwardedTo { get; init; }
}
