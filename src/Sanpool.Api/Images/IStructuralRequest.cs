namespace Sanpool.Api.Images;

/// <summary>
/// A request for a structural verb, run by the SPM as a task. Two arguments every one takes:
/// <c>wait</c> (default true: a task on a busy image queues; false: IMAGE_BUSY naming the task
/// that holds it) and <c>forward</c> (true: a host that is not SPM sends it on to the SPM;
/// left out: such a host refuses with NOT_SPM naming the SPM).
/// </summary>
public interface IStructuralRequest : IForwardableRequest
{
    Guid Domain { get; }

    bool? Wait { get; }
}
