using Sanpool.Core;

namespace Sanpool.Engine.Data.Stores;

/// <summary>The stores' shared checks on what a statement did.</summary>
internal static class StoreChecks
{
    /// <summary>Throws NOT_FOUND naming <paramref name="what"/> when a statement touched no row.</summary>
    public static void Found(int rows, string what)
    {
        if (rows == 0)
        {
            throw NotFound(what);
        }
    }

    public static SanpoolException NotFound(string what) => new(EngineErrors.NotFound, $"{what} does not exist");

    public static SanpoolException Conflict(string message) => new(EngineErrors.Conflict, message);
}
