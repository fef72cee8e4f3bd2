namespace Sanpool.Harness.ThinSimulation;

/// <summary>
/// What happened in a simulated run: how often the guest paused on ENOSPC and for how long, how
/// many extensions were asked for, the final LV size, and the simulated time the write took.
/// <see cref="Stuck"/> is set when the writer paused with nothing left that could give it room.
/// </summary>
public sealed record ThinSimulationResult(int Pauses, TimeSpan Paused, int Requests, long FinalSize, long Written, TimeSpan Elapsed, bool Stuck);
