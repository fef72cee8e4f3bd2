using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Operations;

namespace Sanpool.Pool.Spm.Structural;

/// <summary><c>image.copy</c>: reads the source image, changes the new image on the target domain.</summary>
public sealed class ImageCopyVerb : StructuralVerb<ImageCopyRequest>
{
    public override AgentVerb<ImageCopyRequest, TaskSubmitted> Typed => AgentVerbs.ImageCopy;

    public override TaskPlan Plan(SpmRole spm, ImageCopyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (domain, image, target) = (request.Domain, request.Image, request.TargetDomain);
        if (request.NewVolume is not null && request.Collapse != true)
        {
            throw CommonErrors.Invalid("new_volume names the one volume of a collapsed copy: give collapse: true");
        }

        var options = new CopyOptions { Collapse = request.Collapse ?? false, NewImage = request.NewImage, NewVolume = request.NewVolume };
        var newImage = options.NewImage ?? image;
        List<ResourceRequest> resources = [Claims.InDomain(domain), Claims.InDomain(target), Claims.Reads(domain, image), Claims.Changes(target, newImage)];
        if (request.NewVolume is { } volume)
        {
            resources.Add(Claims.NewVolume(target, volume));
        }

        return new(resources, async t =>
        {
            var source = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var writer = await spm.WriterAsync(target, t.CancellationToken).ConfigureAwait(false);
            var made = await CopyImage.RunAsync(source.Store, image, writer, options, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"image {newImage} on {target}: volumes {string.Join(",", made)}";
        })
        {
            Check = async ct => CopyImage.Check(await InventoryAsync(spm, domain, ct).ConfigureAwait(false), image,
                await InventoryAsync(spm, target, ct).ConfigureAwait(false), target, options),
        };
    }
}
