using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Sanpool.Engine.Web;

/// <summary>Builds a <see cref="Page{T}"/> and its <c>Link</c> header from a list endpoint's items and total.</summary>
public static class Paging
{
    public static Page<T> Answer<T>(HttpContext http, PageRequest request, IReadOnlyList<T> items, long total)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(items);
        string? next = request.Offset + items.Count < total ? Link(http, request, request.Page + 1) : null;
        string? prev = request.Page > 1 ? Link(http, request, request.Page - 1) : null;
        var links = new List<string>(2);
        if (next is not null)
        {
            links.Add($"<{next}>; rel=\"next\"");
        }

        if (prev is not null)
        {
            links.Add($"<{prev}>; rel=\"prev\"");
        }

        if (links.Count > 0)
        {
            http.Response.Headers.Link = string.Join(", ", links);
        }

        return new Page<T>(items, request.Page, request.Max, total, next, prev);
    }

    /// <summary>This request's path and query with page (and max) replaced.</summary>
    private static string Link(HttpContext http, PageRequest request, int page)
    {
        var query = http.Request.Query
            .Where(q => q.Key is not ("page" or "max"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new("max", request.Max.ToString(CultureInfo.InvariantCulture)))
            .Append(new("page", page.ToString(CultureInfo.InvariantCulture)));
        return http.Request.PathBase.Add(http.Request.Path).ToUriComponent() + QueryString.Create(query).ToUriComponent();
    }
}
