namespace Sanpool.Engine.Web;

/// <summary>
/// The Correlation-Id of the request being served (scoped: one per request). Handlers take it
/// as a parameter and store <see cref="Id"/> with the jobs, steps and events they make, as
/// oVirt stores its correlation id; the response echoes it in the same header.
/// </summary>
public sealed class CorrelationContext
{
    public const string HeaderName = "Correlation-Id";

    /// <summary>The client's id, or one the engine made when the request had none.</summary>
    public string Id { get; internal set; } = "";

    /// <summary>True if the engine made <see cref="Id"/> (the request carried none).</summary>
    public bool Generated { get; internal set; }
}
