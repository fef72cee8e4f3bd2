using System.Collections.Frozen;
using Sanpool.Core;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;

namespace Sanpool.Pool.Spm;

/// <summary>
/// The structural verbs of the domains issue, as the SPM runs them: each checks its arguments
/// at once (a bad request gets no task) and then runs as a persisted task on the writer of its
/// domain. Sizes are bytes; ids are UUIDs; a new id left out is made up.
/// </summary>
public static class StructuralVerbs
{
    private sealed record Verb(string[] Args, Func<SpmRole, VerbArgs, Func<TaskContext, Task<string>>> Bind);

    private static readonly FrozenDictionary<string, Verb> Table = new Dictionary<string, Verb>(StringComparer.Ordinal)
    {
        ["image.create"] = new(["domain", "image", "volume", "size", "format", "allocation", "description", "template"], ImageCreate),
        ["snapshot.create"] = new(["domain", "image", "volume"], SnapshotCreate),
        ["image.merge"] = new(["domain", "image", "base", "top"], ImageMerge),
        ["image.copy"] = new(["domain", "image", "target_domain", "new_image", "collapse"], ImageCopy),
        ["volume.delete"] = new(["domain", "image", "volume"], VolumeDelete),
        ["template.create"] = new(["domain", "image", "template", "volume"], TemplateCreate),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => Table.Keys;

    public static bool IsStructural(string verb) => Table.ContainsKey(verb);

    /// <summary>Checks the request and starts it as a task on this host, which must be the SPM.</summary>
    public static async Task<TaskRecord> SubmitAsync(SpmRole spm, string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spm);
        ArgumentNullException.ThrowIfNull(args);
        if (!Table.TryGetValue(verb, out var v))
        {
            throw CommonErrors.Invalid($"unknown structural verb '{VerbArgs.Printable(verb)}'; known: {string.Join(", ", Table.Keys.Order(StringComparer.Ordinal))}");
        }

        var body = v.Bind(spm, new VerbArgs(verb, args, v.Args));
        return await spm.Tasks.SubmitAsync(verb, new Dictionary<string, string>(args), body, cancellationToken).ConfigureAwait(false);
    }

    private static Func<TaskContext, Task<string>> ImageCreate(SpmRole spm, VerbArgs a)
    {
        var format = a.Enum("format", VolumeFormat.COW);
        var spec = new ImageSpec(a.OptionalUuid("image") ?? Guid.NewGuid(), a.OptionalUuid("volume") ?? Guid.NewGuid(), a.Bytes("size"), format,
            a.Enum("allocation", format == VolumeFormat.RAW ? AllocationType.PREALLOCATED : AllocationType.SPARSE))
        {
            Description = a.Text("description"),
            Template = a.OptionalUuid("template"),
        };
        var domain = a.Uuid("domain");
        return async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var volume = await CreateImage.RunAsync(writer, spec, t.CancellationToken).ConfigureAwait(false);
            return $"image {spec.Image} volume {volume}";
        };
    }

    private static Func<TaskContext, Task<string>> SnapshotCreate(SpmRole spm, VerbArgs a)
    {
        var (domain, image, volume) = (a.Uuid("domain"), a.Uuid("image"), a.OptionalUuid("volume") ?? Guid.NewGuid());
        return async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            return $"volume {await CreateSnapshot.RunAsync(writer, image, volume, t.CancellationToken).ConfigureAwait(false)}";
        };
    }

    private static Func<TaskContext, Task<string>> ImageMerge(SpmRole spm, VerbArgs a)
    {
        var (domain, image, baseVolume, top) = (a.Uuid("domain"), a.Uuid("image"), a.Uuid("base"), a.Uuid("top"));
        return async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            await MergeVolumes.RunAsync(writer, image, baseVolume, top, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"merged {top} into {baseVolume}";
        };
    }

    private static Func<TaskContext, Task<string>> ImageCopy(SpmRole spm, VerbArgs a)
    {
        var (domain, image, target) = (a.Uuid("domain"), a.Uuid("image"), a.Uuid("target_domain"));
        var options = new CopyOptions { Collapse = a.Flag("collapse"), NewImage = a.OptionalUuid("new_image") };
        return async t =>
        {
            var source = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var writer = await spm.WriterAsync(target, t.CancellationToken).ConfigureAwait(false);
            var made = await CopyImage.RunAsync(source.Store, image, writer, options, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"image {options.NewImage ?? image} on {target}: volumes {string.Join(",", made)}";
        };
    }

    private static Func<TaskContext, Task<string>> VolumeDelete(SpmRole spm, VerbArgs a)
    {
        var (domain, image, volume) = (a.Uuid("domain"), a.Uuid("image"), a.Uuid("volume"));
        return async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            await DeleteVolume.RunAsync(writer, image, volume, t.CancellationToken).ConfigureAwait(false);
            return $"deleted volume {volume}";
        };
    }

    private static Func<TaskContext, Task<string>> TemplateCreate(SpmRole spm, VerbArgs a)
    {
        var (domain, image, template, volume) = (a.Uuid("domain"), a.Uuid("image"), a.OptionalUuid("template") ?? Guid.NewGuid(), a.OptionalUuid("volume"));
        return async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var made = await CreateTemplate.RunAsync(writer, template, image, volume, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"template image {template} volume {made[0]}";
        };
    }
}
