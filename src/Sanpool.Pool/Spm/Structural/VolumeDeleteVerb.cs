using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Operations;

namespace Sanpool.Pool.Spm.Structural;

/// <summary><c>volume.delete</c>: changes the image.</summary>
public sealed class VolumeDeleteVerb : StructuralVerb<VolumeDeleteRequest>
{
    public override AgentVerb<VolumeDeleteRequest, TaskSubmitted> Typed => AgentVerbs.VolumeDelete;

    public override TaskPlan Plan(SpmRole spm, VolumeDeleteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (domain, image, volume) = (request.Domain, request.Image, request.Volume);
        return new([Claims.InDomain(domain), Claims.Changes(domain, image)], async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var options = new DeleteOptions { Wipe = request.Wipe, Discard = request.Discard };
            await DeleteVolume.RunAsync(writer, image, volume, options, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"deleted volume {volume}";
        })
        {
            Check = async ct => DeleteVolume.Check(await InventoryAsync(spm, domain, ct).ConfigureAwait(false), domain, image, volume),
        };
    }
}
