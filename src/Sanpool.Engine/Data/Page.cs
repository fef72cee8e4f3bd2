using Sanpool.Core;

namespace Sanpool.Engine.Data;

/// <summary>One page of a list: at most <see cref="Limit"/> rows after skipping <see cref="Offset"/>, in a stable order.</summary>
public readonly record struct Page
{
    public const int MaxLimit = 1000;

    public Page(int limit, int offset = 0)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw CommonErrors.Invalid($"page limit {limit} is not between 1 and {MaxLimit}");
        }

        if (offset < 0)
        {
            throw CommonErrors.Invalid($"page offset {offset} is negative");
        }

        Limit = limit;
        Offset = offset;
    }

    public int Limit { get; }

    public int Offset { get; }

    /// <summary>The first <paramref name="limit"/> rows.</summary>
    public static Page First(int limit = 100) => new(limit);
}
