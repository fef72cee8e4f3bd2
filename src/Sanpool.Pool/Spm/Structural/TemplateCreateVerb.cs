using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Operations;

namespace Sanpool.Pool.Spm.Structural;

/// <summary><c>template.create</c>: reads the source image, changes the new template image, claims its volume id if given.</summary>
public sealed class TemplateCreateVerb : StructuralVerb<TemplateCreateRequest>
{
    public override AgentVerb<TemplateCreateRequest, TaskSubmitted> Typed => AgentVerbs.TemplateCreate;

    public override TaskPlan Plan(SpmRole spm, TemplateCreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (domain, image, template, volume) = (request.Domain, request.Image, request.Template ?? Guid.NewGuid(), request.Volume);
        List<ResourceRequest> resources = [Claims.InDomain(domain), Claims.Reads(domain, image), Claims.Changes(domain, template)];
        if (volume is { } v)
        {
            resources.Add(Claims.NewVolume(domain, v));
        }

        return new(resources, async t =>
        {
            var writer = await spm.WriterAsync(domain, t.CancellationToken).ConfigureAwait(false);
            var made = await CreateTemplate.RunAsync(writer, template, image, volume, t.Progress, t.CancellationToken).ConfigureAwait(false);
            return $"template image {template} volume {made[0]}";
        })
        {
            Check = async ct =>
            {
                var inventory = await InventoryAsync(spm, domain, ct).ConfigureAwait(false);
                CopyImage.Check(inventory, image, inventory, domain, new CopyOptions { Template = true, NewImage = template });
            },
        };
    }
}
