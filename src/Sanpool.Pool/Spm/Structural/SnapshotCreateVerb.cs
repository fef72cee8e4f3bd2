using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Operations;

namespace Sanpool.Pool.Spm.Structural;

/// <summary><c>snapshot.create</c>: changes the image (its leaf becomes INTERNAL), claims the new leaf's id.</summary>
public sealed class SnapshotCreateVerb : StructuralVerb<SnapshotCreateRequest>
{
    public override AgentVerb<SnapshotCreateRequest, TaskSubmitted> Typed => AgentVerbs.SnapshotCreate;

    public override TaskPlan Plan(SpmRole spm, SnapshotCreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (domain, image, volume) = (request.Domain, request.Image, request.Volume ?? Guid.NewGuid());
        return new([Claims.InDomain(domain), Claims.Changes(domain, image), Claims.NewVolume(domain, volume)], async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            return $"volume {await CreateSnapshot.RunAsync(writer, image, volume, t.CancellationToken).ConfigureAwait(false)}";
        })
        {
            Check = async ct => CreateSnapshot.Check(await InventoryAsync(spm, domain, ct).ConfigureAwait(false), domain, image, volume),
        };
    }
}
