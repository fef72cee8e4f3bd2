using Sanpool.Api.Images;
using Sanpool.Api;
using System.CommandLine;
using Sanpool.Storage.Operations;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool snapshot create</c>, <c>sanpool volume delete</c>, <c>sanpool template create</c>.</summary>
public static class VolumeCommands
{
    public static Command Snapshot()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var image = new Argument<string>("IMAGE") { Description = "The image to snapshot." };
        var volume = new Option<string?>("--volume") { Description = "The new leaf's UUID (default: a new one)." };
        var create = new Command("create", "Add a qcow2 layer on the image's leaf; the old leaf becomes read-only (INTERNAL). Prints the new volume's UUID.") { sd, image, volume };
        o.AddTo(create);
        var agent = new AgentOptions(required: false);
        agent.AddTo(create, structural: true);
        CliAction.Set(create, async (p, ct) =>
        {
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            var img = StorageOptions.Uuid(p.GetValue(image), "image");
            var vol = p.GetValue(volume) is { } v ? StorageOptions.Uuid(v, "volume") : Guid.NewGuid();
            if (await o.RouteAsync(p, agent, domain, ct) is { } route)
            {
                return await AgentTasks.SubmitAsync(route, p.GetValue(o.Json), AgentVerbs.SnapshotCreate,
                    new SnapshotCreateRequest(domain, img, vol, Forward: route.Forward), ct);
            }

            using var logs = StorageOptions.Logs();
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), domain, ct);
            await using var writer = await o.OpenWriterAsync(p, store, logs.CreateLogger("sanpool.snapshot"), ct);
            await CreateSnapshot.RunAsync(writer, img, vol, ct);
            ImageCommands.Print(p.GetValue(o.Json), new { image = img, volume = vol }, vol);
            return 0;
        });
        return new Command("snapshot", "Snapshots: new qcow2 layers on an image's chain.") { create };
    }

    public static Command Volume()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var image = new Argument<string>("IMAGE") { Description = "The volume's image." };
        var volume = new Argument<string>("VOLUME") { Description = "The volume: a leaf, or a volume no one uses." };
        var wipe = new Option<bool?>("--wipe")
        {
            Description = "Zero the volume's extents before its LV is removed (block domains; --wipe false to skip). Default: the domain's wipe-after-delete.",
        };
        var discard = new Option<bool?>("--discard")
        {
            Description = "Discard the volume's extents before its LV is removed, where the LUN supports it (block domains). Default: the domain's discard-after-delete.",
        };
        var delete = new Command("delete", "Delete a volume: a leaf (its parent becomes the leaf) or an unused one. Prints its UUID.") { sd, image, volume, wipe, discard };
        o.AddTo(delete);
        var agent = new AgentOptions(required: false);
        agent.AddTo(delete, structural: true);
        CliAction.Set(delete, async (p, ct) =>
        {
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            var img = StorageOptions.Uuid(p.GetValue(image), "image");
            var vol = StorageOptions.Uuid(p.GetValue(volume), "volume");
            if (await o.RouteAsync(p, agent, domain, ct) is { } route)
            {
                return await AgentTasks.SubmitAsync(route, p.GetValue(o.Json), AgentVerbs.VolumeDelete,
                    new VolumeDeleteRequest(domain, img, vol, Forward: route.Forward, Wipe: p.GetValue(wipe), Discard: p.GetValue(discard)), ct);
            }

            using var logs = StorageOptions.Logs();
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), domain, ct);
            await using var writer = await o.OpenWriterAsync(p, store, logs.CreateLogger("sanpool.volume"), ct);
            var progress = new Progress($"delete {vol}");
            await DeleteVolume.RunAsync(writer, img, vol, new DeleteOptions { Wipe = p.GetValue(wipe), Discard = p.GetValue(discard) }, progress.Report, ct);
            progress.Stop(); // reported only by a wipe, which ends at 100%
            ImageCommands.Print(p.GetValue(o.Json), new { image = img, deleted = vol }, vol);
            return 0;
        });
        return new Command("volume", "Single volumes of a chain.") { delete };
    }

    public static Command Template()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var image = new Argument<string?>("IMAGE")
        {
            Description = "The new template image's UUID (default: a new one, printed when made).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var from = new Option<string>("--from-image") { Description = "The image whose chain is collapsed into the template.", Required = true };
        var volume = new Option<string?>("--volume") { Description = "The template volume's UUID (default: a new one)." };
        var create = new Command("create", "Collapse an image into a template: one SHARED volume that images are made from (image create --template). " +
            "Prints 'template image IMAGE volume VOLUME' (the same through an agent).")
        {
            sd, image, from, volume,
        };
        o.AddTo(create);
        var agent = new AgentOptions(required: false);
        agent.AddTo(create, structural: true);
        CliAction.Set(create, async (p, ct) =>
        {
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            var img = p.GetValue(image) is { } given ? StorageOptions.Uuid(given, "template image") : Guid.NewGuid();
            var src = StorageOptions.Uuid(p.GetValue(from), "source image");
            Guid? vol = p.GetValue(volume) is { } v ? StorageOptions.Uuid(v, "volume") : null;
            if (await o.RouteAsync(p, agent, domain, ct) is { } route)
            {
                // The verb's "image" is the image collapsed; its "template" the new template image.
                return await AgentTasks.SubmitAsync(route, p.GetValue(o.Json), AgentVerbs.TemplateCreate,
                    new TemplateCreateRequest(domain, src, img, vol, Forward: route.Forward), ct);
            }

            using var logs = StorageOptions.Logs();
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), domain, ct);
            await using var writer = await o.OpenWriterAsync(p, store, logs.CreateLogger("sanpool.template"), ct);
            var progress = new Progress($"template {img}");
            var volumes = await CreateTemplate.RunAsync(writer, img, src, vol, progress.Report, ct);
            progress.Done();
            ImageCommands.PrintLine(p.GetValue(o.Json), new { image = img, volumes }, $"template image {img} volume {volumes[0]}");
            return 0;
        });
        return new Command("template", "Templates: shared base volumes for many images.") { create };
    }
}
