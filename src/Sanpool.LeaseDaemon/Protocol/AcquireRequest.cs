namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>
/// Acquires resources for the registered client on this connection or, from any connection,
/// for the registered client <see cref="Pid"/> (as <c>sanlock client acquire -p</c>).
/// </summary>
public sealed record AcquireRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.Acquire;

    /// <summary>LS:RES:PATH:OFFSET each; acquired in order, all or none.</summary>
    public IReadOnlyList<string>? Resources { get; init; }

    public bool Shared { get; init; }

    /// <summary>Fail at once (ACQUIRE_OWNED) rather than wait host_dead for a silent owner.</summary>
    public bool NoWait { get; init; }

    /// <summary>Act for this registered client instead of the connection's own.</summary>
    public int? Pid { get; init; }
}
