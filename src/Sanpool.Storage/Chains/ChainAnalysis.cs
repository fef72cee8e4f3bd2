namespace Sanpool.Storage.Chains;

/// <summary>
/// Orders every image's volumes into a chain, base first, or says why it cannot: the rules of
/// vdsm-tool dump-volume-chains, so that the two tools agree on what is broken.
/// <list type="bullet">
/// <item>volumes with no image in their metadata form the pseudo-image "unknown-image" (UnknownImage);</item>
/// <item>an image with a volume whose parent is unknown is not ordered (UnknownParent);</item>
/// <item>two volumes naming one parent: DuplicateParent; no volume on the blank parent: NoBaseVolume;</item>
/// <item>volumes left over after walking from the blank parent: ChainLoop if their parent links close a cycle, else OrphanVolumes.</item>
/// </list>
/// A template's volume, the parent of a volume in another image, joins that image's set.
/// </summary>
public static class ChainAnalysis
{
    public const string UnknownImage = "unknown-image";
    public const string UnknownParent = "unknown-parent";

    public static IReadOnlyList<ImageChain> Analyze(IEnumerable<VolumeInfo> volumes)
    {
        var all = volumes.ToDictionary(v => v.Id);
        var byImage = all.Values
            .GroupBy(v => v.Image?.ToString() ?? UnknownImage)
            .ToDictionary(g => g.Key, g => g.ToDictionary(v => v.Id));

        foreach (var (_, members) in byImage)
        {
            foreach (var v in members.Values.ToList())
            {
                if (v.Parent is { } p && p != Guid.Empty && !members.ContainsKey(p) && all.TryGetValue(p, out var template))
                {
                    members[p] = template;
                }
            }
        }

        return [.. byImage.OrderBy(kv => kv.Key == UnknownImage ? 1 : 0).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => AnalyzeImage(kv.Key, kv.Value))];
    }

    private static ImageChain AnalyzeImage(string image, Dictionary<Guid, VolumeInfo> volumes)
    {
        var pairs = volumes.Values.OrderBy(v => v.Id)
            .Select(v => (Parent: v.Parent?.ToString() ?? UnknownParent, Child: v.Id)).ToList();
        ChainError? error = image == UnknownImage ? ChainError.UnknownImage
            : pairs.Any(p => p.Parent == UnknownParent) ? ChainError.UnknownParent
            : null;
        if (error is not null)
        {
            return new ImageChain(image, [], error, pairs, volumes);
        }

        var (chain, chainError) = Order(pairs);
        return new ImageChain(image, chain, chainError, pairs, volumes);
    }

    private static (List<Guid> Chain, ChainError? Error) Order(List<(string Parent, Guid Child)> pairs)
    {
        var byParent = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var (parent, child) in pairs)
        {
            if (!byParent.TryAdd(parent, child))
            {
                return ([], ChainError.DuplicateParent);
            }
        }

        var chain = new List<Guid>();
        var next = Guid.Empty.ToString();
        while (byParent.TryGetValue(next, out var child))
        {
            if (chain.Contains(child))
            {
                return ([], ChainError.ChainLoop);
            }

            chain.Add(child);
            next = child.ToString();
        }

        if (chain.Count == 0 && byParent.Count > 0)
        {
            return ([], ChainError.NoBaseVolume);
        }

        if (chain.Count < byParent.Count)
        {
            // vdsm-tool calls every leftover an orphan. With unique volume ids a walk from the
            // base can never meet a volume twice, so its ChainLoop is unreachable; we name it
            // when the leftovers' parent links close a cycle, which is the case it describes.
            var parentOf = pairs.ToDictionary(p => p.Child.ToString(), p => p.Parent, StringComparer.Ordinal);
            var left = pairs.Select(p => p.Child).Where(c => !chain.Contains(c));
            return ([], left.Any(c => InCycle(c.ToString(), parentOf)) ? ChainError.ChainLoop : ChainError.OrphanVolumes);
        }

        return (chain, null);
    }

    private static bool InCycle(string start, Dictionary<string, string> parentOf)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var at = start; parentOf.TryGetValue(at, out var parent); at = parent)
        {
            if (!seen.Add(at))
            {
                return true;
            }
        }

        return false;
    }
}
