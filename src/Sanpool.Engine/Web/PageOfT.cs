using System.Text.Json.Serialization;

namespace Sanpool.Engine.Web;

/// <summary>
/// One page of a list, as every list endpoint answers: the items, which page (counting from 1)
/// of how many items each, the total, and the links to the pages beside it (also sent as a
/// <c>Link</c> header, RFC 8288, rel="next" and rel="prev"; null at either end).
/// </summary>
public sealed record Page<T>(
    IReadOnlyList<T> Items,
    [property: JsonPropertyName("page")] int Number,
    int Max,
    long Total,
    string? Next,
    string? Prev);
