using Sanpool.Cli.EngineApi;

namespace Sanpool.Cli.Commands;

/// <summary>How one collection of the engine shows: its resources in the client, and its table (the list and show verbs of <see cref="EngineVerbs"/> take it).</summary>
internal sealed record EngineView<T>(Func<EngineClient, EngineResources<T>> Of, Func<IReadOnlyList<T>, string> Table);
