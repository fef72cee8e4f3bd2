namespace Sanpool.Pool.Tasks;

/// <summary>What a running task's body gets: its id, the role's cancellation, and a progress sink.</summary>
public sealed class TaskContext(Guid id, Action<double> progress, CancellationToken cancellationToken)
{
    public Guid Id { get; } = id;

    /// <summary>Cancelled when the SPM role is lost or stopped.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Reports 0-100; persisted at most once a second or every 5 %.</summary>
    public void Progress(double percent) => progress(percent);
}
