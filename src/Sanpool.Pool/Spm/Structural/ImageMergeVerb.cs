using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Operations;

namespace Sanpool.Pool.Spm.Structural;

/// <summary><c>image.merge</c>: changes the image.</summary>
public sealed class ImageMergeVerb : StructuralVerb<ImageMergeRequest>
{
    public override AgentVerb<ImageMergeRequest, TaskSubmitted> Typed => AgentVerbs.ImageMerge;

    public override TaskPlan Plan(SpmRole spm, ImageMergeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (domain, image, baseVolume, top) = (request.Domain, request.Image, request.Base, request.Top);
        return new([Claims.InDomain(domain), Claims.Changes(domain, image)], async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            await MergeVolumes.RunAsync(writer, image, baseVolume, top, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"merged {top} into {baseVolume}";
        })
        {
            Check = async ct => MergeVolumes.Check((await InventoryAsync(spm, domain, ct).ConfigureAwait(false)).ChainOf(image), image, baseVolume, top),
        };
    }
}
