namespace Sanpool.Core;

/// <summary>
/// A stable, numbered error code. Numbers never change once released: scripts and peers rely
/// on them. Each subsystem owns one band:
/// <list type="bullet">
/// <item>-1 .. -99: usage and bad input (<see cref="CommonErrors"/>)</item>
/// <item>-200 .. -299: leases; sanlock's own numbers where sanlock has one (<c>sanlock_rv.h</c>)</item>
/// <item>-300 .. -399: block I/O</item>
/// <item>-400 .. -499: the lease daemon and its clients</item>
/// </list>
/// </summary>
public readonly record struct ErrorCode(int Value, string Name)
{
    public override string ToString() => $"{Name} ({Value})";

    /// <summary>"NAME (code): message", the one-line form every error is printed in.</summary>
    public string OneLine(string message) => $"{Name} ({Value}): {message}";
}
