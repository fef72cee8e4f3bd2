using Sanpool.Core;

namespace Sanpool.Engine.Web;

/// <summary>
/// Which page of a list a request asks for: <c>?max=N&amp;page=P</c>, as oVirt's
/// <c>search=page P</c> with <c>max</c>. Pages count from 1; max is 1-1000, 100 if not given.
/// For SQL: <c>LIMIT Max OFFSET Offset</c>.
/// </summary>
public sealed record PageRequest
{
    public const int DefaultMax = 100;
    public const int Limit = 1000;

    private PageRequest(int page, int max)
    {
        Page = page;
        Max = max;
    }

    public int Page { get; }

    public int Max { get; }

    /// <summary>How many items come before this page.</summary>
    public long Offset => (long)(Page - 1) * Max;

    /// <summary>The page the query parameters ask for.</summary>
    /// <exception cref="SanpoolException">BAD_PAGE when max is not 1-1000 or page is not 1 or more.</exception>
    public static PageRequest From(int? max, int? page)
    {
        if (max is < 1 or > Limit)
        {
            throw new SanpoolException(WebErrors.BadPage, $"max={max}: give 1-{Limit} (default {DefaultMax})");
        }

        if (page is < 1)
        {
            throw new SanpoolException(WebErrors.BadPage, $"page={page}: pages count from 1");
        }

        return new PageRequest(page ?? 1, max ?? DefaultMax);
    }
}
