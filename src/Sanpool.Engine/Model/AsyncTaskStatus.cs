namespace Sanpool.Engine.Model;

/// <summary><c>async_tasks.status</c>; the engine's AsyncTaskStatusEnum values.</summary>
public enum AsyncTaskStatus
{
    Unknown = 0,
    Init = 1,
    Running = 2,
    Finished = 3,
    Aborting = 4,
    Cleaning = 5,
}
