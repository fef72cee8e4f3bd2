using System.Collections.Frozen;
using Sanpool.Core;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;

namespace Sanpool.Pool.Spm;

/// <summary>
/// The structural verbs of the domains issue, as the SPM runs them: each checks its arguments
/// at once (a bad request gets no task), names what it will touch (<see cref="Plan"/>: the
/// images it changes exclusively, the images it only reads shared, its domains shared, and any
/// new volume id it was given), and then runs as a persisted task on the writer of its domain
/// once the SPM's <see cref="ResourceManager"/> grants all of that. Sizes are bytes; ids are
/// UUIDs; a new id left out is made up. The request argument <c>wait</c> (default true) says
/// whether a task on a busy image queues or is refused with IMAGE_BUSY.
/// </summary>
public static class StructuralVerbs
{
    public const string WaitArgument = "wait";

    private sealed record Verb(string[] Args, Func<SpmRole, VerbArgs, Plan> Bind);

    /// <summary>What a request will touch, and what it does once it holds all of it.</summary>
    private sealed record Plan(IReadOnlyList<ResourceRequest> Resources, Func<TaskContext, Task<string>> Body);

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

        var verbArgs = args.Where(a => a.Key != WaitArgument).ToDictionary(StringComparer.Ordinal);
        bool wait = new VerbArgs(verb, args.Where(a => a.Key == WaitArgument).ToDictionary(StringComparer.Ordinal), [WaitArgument]).FlagOr(WaitArgument, true);
        var plan = v.Bind(spm, new VerbArgs(verb, verbArgs, v.Args));
        return await spm.Tasks.SubmitAsync(verb, verbArgs, plan.Resources, wait, plan.Body, cancellationToken).ConfigureAwait(false);
    }

    private static ResourceRequest Changes(Guid domain, Guid image) => ResourceRequest.Exclusive(ResourceKey.OfImage(domain, image));

    private static ResourceRequest Reads(Guid domain, Guid image) => ResourceRequest.Shared(ResourceKey.OfImage(domain, image));

    private static ResourceRequest InDomain(Guid domain) => ResourceRequest.Shared(ResourceKey.OfDomain(domain));

    private static ResourceRequest NewVolume(Guid domain, Guid volume) => ResourceRequest.Exclusive(ResourceKey.OfVolume(domain, volume));

    private static Plan ImageCreate(SpmRole spm, VerbArgs a)
    {
        var format = a.Enum("format", VolumeFormat.COW);
        var spec = new ImageSpec(a.OptionalUuid("image") ?? Guid.NewGuid(), a.OptionalUuid("volume") ?? Guid.NewGuid(), a.Bytes("size"), format,
            a.Enum("allocation", format == VolumeFormat.RAW ? AllocationType.PREALLOCATED : AllocationType.SPARSE))
        {
            Description = a.Text("description"),
            Template = a.OptionalUuid("template"),
        };
        var domain = a.Uuid("domain");
        List<ResourceRequest> resources = [InDomain(domain), Changes(domain, spec.Image), NewVolume(domain, spec.Volume)];
        if (spec.Template is { } template)
        {
            resources.Add(Reads(domain, template));
        }

        return new(resources, async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var volume = await CreateImage.RunAsync(writer, spec, t.CancellationToken).ConfigureAwait(false);
            return $"image {spec.Image} volume {volume}";
        });
    }

    private static Plan SnapshotCreate(SpmRole spm, VerbArgs a)
    {
        var (domain, image, volume) = (a.Uuid("domain"), a.Uuid("image"), a.OptionalUuid("volume") ?? Guid.NewGuid());
        return new([InDomain(domain), Changes(domain, image), NewVolume(domain, volume)], async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            return $"volume {await CreateSnapshot.RunAsync(writer, image, volume, t.CancellationToken).ConfigureAwait(false)}";
        });
    }

    private static Plan ImageMerge(SpmRole spm, VerbArgs a)
    {
        var (domain, image, baseVolume, top) = (a.Uuid("domain"), a.Uuid("image"), a.Uuid("base"), a.Uuid("top"));
        return new([InDomain(domain), Changes(domain, image)], async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            await MergeVolumes.RunAsync(writer, image, baseVolume, top, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"merged {top} into {baseVolume}";
        });
    }

    private static Plan ImageCopy(SpmRole spm, VerbArgs a)
    {
        var (domain, image, target) = (a.Uuid("domain"), a.Uuid("image"), a.Uuid("target_domain"));
        var options = new CopyOptions { Collapse = a.Flag("collapse"), NewImage = a.OptionalUuid("new_image") };
        return new([InDomain(domain), InDomain(target), Reads(domain, image), Changes(target, options.NewImage ?? image)], async t =>
        {
            var source = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var writer = await spm.WriterAsync(target, t.CancellationToken).ConfigureAwait(false);
            var made = await CopyImage.RunAsync(source.Store, image, writer, options, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"image {options.NewImage ?? image} on {target}: volumes {string.Join(",", made)}";
        });
    }

    private static Plan VolumeDelete(SpmRole spm, VerbArgs a)
    {
        var (domain, image, volume) = (a.Uuid("domain"), a.Uuid("image"), a.Uuid("volume"));
        return new([InDomain(domain), Changes(domain, image)], async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            await DeleteVolume.RunAsync(writer, image, volume, t.CancellationToken).ConfigureAwait(false);
            return $"deleted volume {volume}";
        });
    }

    private static Plan TemplateCreate(SpmRole spm, VerbArgs a)
    {
        var (domain, image, template, volume) = (a.Uuid("domain"), a.Uuid("image"), a.OptionalUuid("template") ?? Guid.NewGuid(), a.OptionalUuid("volume"));
        List<ResourceRequest> resources = [InDomain(domain), Reads(domain, image), Changes(domain, template)];
        if (volume is { } v)
        {
            resources.Add(NewVolume(domain, v));
        }

        return new(resources, async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var made = await CreateTemplate.RunAsync(writer, template, image, volume, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"template image {template} volume {made[0]}";
        });
    }
}
