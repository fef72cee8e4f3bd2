using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Spm.Structural;

/// <summary><c>image.create</c>: changes the new image, claims its new volume id, reads the template under it if any.</summary>
public sealed class ImageCreateVerb : StructuralVerb<ImageCreateRequest>
{
    public override AgentVerb<ImageCreateRequest, TaskSubmitted> Typed => AgentVerbs.ImageCreate;

    public override TaskPlan Plan(SpmRole spm, ImageCreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var format = request.Format ?? VolumeFormat.COW;
        var spec = new ImageSpec(request.Image ?? Guid.NewGuid(), request.Volume ?? Guid.NewGuid(), request.Size, format,
            request.Allocation ?? (format == VolumeFormat.RAW ? AllocationType.PREALLOCATED : AllocationType.SPARSE))
        {
            Description = request.Description ?? "",
            Template = request.Template,
        };
        var domain = request.Domain;
        List<ResourceRequest> resources = [Claims.InDomain(domain), Claims.Changes(domain, spec.Image), Claims.NewVolume(domain, spec.Volume)];
        if (spec.Template is { } template)
        {
            resources.Add(Claims.Reads(domain, template));
        }

        return new(resources, async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var volume = await CreateImage.RunAsync(writer, spec, t.CancellationToken).ConfigureAwait(false);
            return $"image {spec.Image} volume {volume}";
        })
        {
            Check = async ct =>
            {
                var writer = await spm.WriterAsync(domain, ct).ConfigureAwait(false);
                CreateImage.Check(await DomainInventory.LoadAsync(writer.Store, ct).ConfigureAwait(false), writer.Store, spec);
            },
        };
    }
}
