using System.Text.Json;

namespace Sanpool.Agent.Vm;

/// <summary>
/// One asynchronous QMP event, as qemu sends it:
/// <c>{"event": NAME, "data": {...}, "timestamp": {"seconds": S, "microseconds": US}}</c>.
/// <see cref="Data"/> is an empty object when qemu sent none; it is a detached copy, safe to keep.
/// </summary>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp)
{
    /// <summary>A string member of <see cref="Data"/>, or null.</summary>
    public string? GetString(string name) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    /// <summary>A boolean member of <see cref="Data"/>; false when absent.</summary>
    public bool GetBoolean(string name) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    /// <summary>An integer member of <see cref="Data"/>, or null.</summary>
    public long? GetInt64(string name) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n)
            ? n
            : null;
}
