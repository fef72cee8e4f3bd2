using System.Text.Json.Nodes;

namespace Sanpool.Api.Events;

/// <summary>
/// <c>events</c>: the number of the newest event, and the events asked for, oldest first. Each
/// has <c>seq</c>, <c>time</c> and <c>kind</c> (vm.paused, vm.resumed, extension.failed,
/// domain.extended, ...) and the fields of its kind.
/// </summary>
public sealed record EventsReply(long Last, IReadOnlyList<JsonObject> Events);
