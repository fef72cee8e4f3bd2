using System.Collections.Frozen;
using Sanpool.Api.Binding;
using Sanpool.Core;
using Sanpool.Pool.Tasks;

namespace Sanpool.Pool.Spm.Structural;

/// <summary>
/// The six structural verbs, the only ones that change a domain's images and volumes. Each runs
/// on the SPM as a task; its request says whether a task on a busy image queues
/// (<c>wait</c>, default true) or is refused with IMAGE_BUSY. Sizes are bytes; ids are UUIDs;
/// a new id left out is made up.
/// </summary>
public static class StructuralVerbs
{
    public static readonly ImageCreateVerb ImageCreate = new();
    public static readonly SnapshotCreateVerb SnapshotCreate = new();
    public static readonly ImageMergeVerb ImageMerge = new();
    public static readonly ImageCopyVerb ImageCopy = new();
    public static readonly VolumeDeleteVerb VolumeDelete = new();
    public static readonly TemplateCreateVerb TemplateCreate = new();

    private static readonly FrozenDictionary<string, IStructuralVerb> Table = new IStructuralVerb[]
    {
        ImageCreate, SnapshotCreate, ImageMerge, ImageCopy, VolumeDelete, TemplateCreate,
    }.ToFrozenDictionary(v => v.Verb.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => Table.Keys;

    public static bool IsStructural(string verb) => Table.ContainsKey(verb);

    /// <summary>Checks a request given as argument strings and starts it as a task on this host, which must be the SPM.</summary>
    public static Task<TaskRecord> SubmitAsync(SpmRole spm, string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken) =>
        Table.TryGetValue(verb, out var v)
            ? v.SubmitAsync(spm, args, cancellationToken)
            : throw CommonErrors.Invalid($"unknown structural verb '{VerbArgs.Printable(verb)}'; known: {string.Join(", ", Table.Keys.Order(StringComparer.Ordinal))}");
}
