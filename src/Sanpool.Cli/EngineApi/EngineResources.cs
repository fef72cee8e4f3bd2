using System.Text.Json.Nodes;

namespace Sanpool.Cli.EngineApi;

/// <summary>
/// One collection of the engine's API (<c>api/hosts</c>, <c>api/disks</c>, ...) and the reads
/// every collection answers the same way: a list (paged, or every page) and one item by id,
/// as the engine's JSON and as its DTO record <typeparamref name="T"/>.
/// </summary>
/// <param name="Name">The collection's name in the URL: "hosts".</param>
/// <param name="Noun">What one item is called in messages: "host".</param>
public sealed record EngineResources<T>(EngineClient Client, string Name, string Noun)
{
    public string Path => "api/" + Name;

    /// <summary>The path of one item, or of something below it ("chain").</summary>
    public string PathOf(Guid id, string? below = null) => below is null ? $"{Path}/{id}" : $"{Path}/{id}/{below}";

    /// <summary>The items as the engine wrote them: page <paramref name="page"/>, or every page if null.</summary>
    public Task<JsonArray> ListJsonAsync(int? max, int? page, CancellationToken cancellationToken) =>
        Client.ListAsync(Path, max, page, null, cancellationToken);

    public async Task<IReadOnlyList<T>> ListAsync(int? max, int? page, CancellationToken cancellationToken) =>
        [.. (await ListJsonAsync(max, page, cancellationToken).ConfigureAwait(false)).Select(n => Client.As<T>(n!))];

    public Task<JsonNode> GetJsonAsync(Guid id, CancellationToken cancellationToken) => Client.GetAsync(PathOf(id), cancellationToken);

    public async Task<T> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Client.As<T>(await GetJsonAsync(id, cancellationToken).ConfigureAwait(false));
}
