namespace Sanpool.Storage.Operations;

/// <summary>
/// The pool task an operation runs for, carried through the async flow so the operation's
/// journal entry names it (<see cref="Journal.JournalEntry.Task"/>): after a failover the new
/// SPM matches what journal recovery did to the task that was running.
/// </summary>
public static class TaskScope
{
    private static readonly AsyncLocal<Guid?> CurrentTask = new();

    public static Guid? Current => CurrentTask.Value;

    /// <summary>Operations started until the returned scope is disposed belong to <paramref name="task"/>.</summary>
    public static IDisposable Enter(Guid task)
    {
        var previous = CurrentTask.Value;
        CurrentTask.Value = task;
        return new Exit(previous);
    }

    private sealed class Exit(Guid? previous) : IDisposable
    {
        public void Dispose() => CurrentTask.Value = previous;
    }
}
