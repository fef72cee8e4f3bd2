using Sanpool.Api.Binding;

namespace Sanpool.Api.Events;

/// <summary><c>events</c>: the agent's events after number <see cref="Since"/> (0: all it keeps).</summary>
public sealed record EventsRequest([Between(0, long.MaxValue)] long? Since = null);
