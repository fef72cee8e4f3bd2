namespace Sanpool.Engine.Hosts;

/// <summary>
/// Which host the engine makes SPM: among the candidates (Up hosts of the pool), those of the
/// highest SPM priority, one at random; priority -1 never. Random among equals so that one
/// host that keeps failing to take the lease does not keep being picked first.
/// </summary>
public static class SpmSelection
{
    public static T? Pick<T>(IReadOnlyList<T> candidates, Func<T, int> priority, Random random)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(priority);
        ArgumentNullException.ThrowIfNull(random);
        var willing = candidates.Where(c => priority(c) >= 0).ToList();
        if (willing.Count == 0)
        {
            return null;
        }

        int best = willing.Max(priority);
        var top = willing.Where(c => priority(c) == best).ToList();
        return top[random.Next(top.Count)];
    }
}
