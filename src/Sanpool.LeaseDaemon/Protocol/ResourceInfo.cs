namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>One held resource.</summary>
public sealed record ResourceInfo
{
    public string Lockspace { get; init; } = "";

    public string Name { get; init; } = "";

    public string Path { get; init; } = "";

    public long Offset { get; init; }

    /// <summary>The lease version this host committed.</summary>
    public ulong Lver { get; init; }

    public bool Shared { get; init; }

    /// <summary>sanlock's form: LS:RES:PATH:OFFSET:LVER, ":SH" appended when shared.</summary>
    public string State { get; init; } = "";
}
