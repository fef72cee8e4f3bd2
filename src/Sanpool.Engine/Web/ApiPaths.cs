using Microsoft.AspNetCore.Http;
using Sanpool.Core;
using Sanpool.Engine.Data;

namespace Sanpool.Engine.Web;

/// <summary>What the resource endpoints share: the API's base path for links, and a page request as the stores take it.</summary>
internal static class ApiPaths
{
    /// <summary>"/api", under whatever path base the engine is served.</summary>
    public static string Api(HttpContext http) => http.Request.PathBase.Add("/api").Value!;

    public static Page PageOf(PageRequest request) =>
        request.Offset <= int.MaxValue
            ? new Page(request.Max, (int)request.Offset)
            : throw new SanpoolException(WebErrors.BadPage, $"page={request.Page}: beyond the last page");
}
