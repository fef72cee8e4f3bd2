using Sanpool.Api.Images;
using Sanpool.Api;
using Sanpool.Api.Binding;
using System.CommandLine;
using System.Text.Json;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool image ...</c>: disks as chains of volumes.</summary>
public static class ImageCommands
{
    public static Command Create()
    {
        var image = new Command("image", "Images (virtual disks): chains of volumes, a base and qcow2 layers.");
        image.Subcommands.Add(CreateImageCommand());
        image.Subcommands.Add(List());
        image.Subcommands.Add(Merge());
        image.Subcommands.Add(Copy());
        image.Subcommands.Add(ImageServeCommands.Prepare());
        image.Subcommands.Add(ImageServeCommands.Teardown());
        return image;
    }

    private static Command CreateImageCommand()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var size = new Option<string?>("--size")
        {
            Description = $"Virtual size: {SizeParser.Suffixes}; e.g. 10G. Whole 512-byte sectors, at most 2048T. " +
                          "Default with --template: the template's (through an agent give it).",
        };
        var format = new Option<string>("--format") { Description = "cow (qcow2) or raw.", DefaultValueFactory = _ => "cow" };
        format.AcceptOnlyFromAmong("cow", "raw");
        var allocation = new Option<string?>("--allocation")
        {
            Description = "sparse or preallocated (default: preallocated for raw, sparse for cow; raw on a block domain is always preallocated).",
        };
        allocation.AcceptOnlyFromAmong("sparse", "preallocated");
        var imageId = new Option<string?>("--image") { Description = "The new image's UUID (default: a new one)." };
        var volumeId = new Option<string?>("--volume") { Description = "The first volume's UUID (default: a new one)." };
        var description = new Option<string>("--description") { Description = "Free text, at most 210 characters.", DefaultValueFactory = _ => "" };
        var template = new Option<string?>("--template") { Description = "Make the image from this template image: a qcow2 layer over its shared volume." };
        var cmd = new Command("create", "Create an image of one volume and print 'image IMAGE volume VOLUME' (the same through an agent, and with --agent --wait).")
        {
            sd, size, format, allocation, imageId, volumeId, description, template,
        };
        o.AddTo(cmd);
        var agent = new AgentOptions(required: false);
        agent.AddTo(cmd, structural: true);
        CliAction.Set(cmd, async (p, ct) =>
        {
            // Everything the arguments alone can refuse is refused before the domain is opened.
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            Guid? templateImage = p.GetValue(template) is { } t ? StorageOptions.Uuid(t, "template") : null;
            long? givenSize = p.GetValue(size) is { } s ? Capacity(s)
                : templateImage is null ? throw new UsageException("give --size (e.g. --size 10G)") : null;
            var newImage = p.GetValue(imageId) is { } i ? StorageOptions.Uuid(i, "image") : Guid.NewGuid();
            var newVolume = p.GetValue(volumeId) is { } v ? StorageOptions.Uuid(v, "volume") : Guid.NewGuid();
            ImageSpec Spec(long capacity) => new(
                newImage,
                newVolume,
                capacity,
                p.GetValue(format) == "raw" ? VolumeFormat.RAW : VolumeFormat.COW,
                (p.GetValue(allocation) ?? (p.GetValue(format) == "raw" ? "preallocated" : "sparse")) == "preallocated" ? AllocationType.PREALLOCATED : AllocationType.SPARSE)
            {
                Description = p.GetValue(description) ?? "",
                Template = templateImage,
            };
            if (await o.RouteAsync(p, agent, domain, ct) is { } route)
            {
                if (givenSize is not { } bytes)
                {
                    route.Dispose();
                    throw new UsageException("through an agent give --size as well (the agent does not look up the template's size), or give --direct");
                }

                return await AgentTasks.SubmitAsync(route, p.GetValue(o.Json), AgentVerbs.ImageCreate, AgentRequest(domain, Spec(bytes), route.Forward), ct);
            }

            using var logs = StorageOptions.Logs();
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), domain, ct);
            var spec = Spec(givenSize ?? (await DomainInventory.LoadAsync(store, ct)).ChainOf(templateImage!.Value)[0].Md.Capacity);
            await using var writer = await o.OpenWriterAsync(p, store, logs.CreateLogger("sanpool.image"), ct);
            await CreateImage.RunAsync(writer, spec, ct);
            // The same labelled line as the task's result through an agent (ImageCreateVerb).
            PrintLine(p.GetValue(o.Json), new { image = spec.Image, volume = spec.Volume }, $"image {spec.Image} volume {spec.Volume}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The arguments of the agent's image.create for <paramref name="spec"/>: sizes in bytes, format and allocation as the CLI names them.</summary>
    private static ImageCreateRequest AgentRequest(Guid domain, ImageSpec spec, bool? forward) =>
        new(domain, spec.Capacity, spec.Image, spec.Volume, spec.Format, spec.Allocation,
            spec.Description.Length > 0 ? spec.Description : null, spec.Template, Forward: forward);

    private static Command List()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var cmd = new Command("list", "List the domain's images, one UUID per line (with --json: each chain, base first).") { sd };
        o.AddTo(cmd, writer: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), StorageOptions.Uuid(p.GetValue(sd), "domain"), ct);
            var inventory = await DomainInventory.LoadAsync(store, ct);
            var images = inventory.Chains.Where(c => Guid.TryParse(c.Image, out _)).ToList();
            if (p.GetValue(o.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(images.Select(c => new { image = c.Image, volumes = c.Chain, error = c.Error?.ToString() }), CliJson.Options));
            }
            else
            {
                images.ForEach(c => Console.WriteLine(c.Image));
            }

            return 0;
        });
        return cmd;
    }

    private static Command Merge()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The domain's UUID." };
        var image = new Argument<string>("IMAGE") { Description = "The image's UUID." };
        var baseVol = new Option<string>("--base") { Description = "The volume to merge into: the top's parent.", Required = true };
        var top = new Option<string>("--top") { Description = "The volume whose data goes down into the base, then is removed.", Required = true };
        var cmd = new Command("merge", "Cold merge: commit a volume into its parent, rebase its child, remove it. Prints the base's UUID.") { sd, image, baseVol, top };
        o.AddTo(cmd);
        var agent = new AgentOptions(required: false);
        agent.AddTo(cmd, structural: true);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            var img = StorageOptions.Uuid(p.GetValue(image), "image");
            var b = StorageOptions.Uuid(p.GetValue(baseVol), "base volume");
            var t = StorageOptions.Uuid(p.GetValue(top), "top volume");
            if (await o.RouteAsync(p, agent, domain, ct) is { } route)
            {
                return await AgentTasks.SubmitAsync(route, p.GetValue(o.Json), AgentVerbs.ImageMerge,
                    new ImageMergeRequest(domain, img, b, t, Forward: route.Forward), ct);
            }

            using var logs = StorageOptions.Logs();
            await using var store = await StorageOptions.OpenAsync(o.Locator(p), domain, ct);
            await using var writer = await o.OpenWriterAsync(p, store, logs.CreateLogger("sanpool.merge"), ct);
            var progress = new Progress($"merge {t} into {b}");
            await MergeVolumes.RunAsync(writer, img, b, t, progress.Report, ct);
            progress.Done();
            Print(p.GetValue(o.Json), new { image = img, @base = b, removed = t }, b);
            return 0;
        });
        return cmd;
    }

    private static Command Copy()
    {
        var o = new StorageOptions();
        var sd = new Argument<string>("SD") { Description = "The source domain's UUID." };
        var image = new Argument<string>("IMAGE") { Description = "The image to copy." };
        var to = new Option<string>("--to") { Description = "The target domain's UUID (found through the same --path/--device).", Required = true };
        var collapse = new Option<bool>("--collapse") { Description = "Copy the chain collapsed into one volume instead of as it is." };
        var newImage = new Option<string?>("--new-image") { Description = "The image's UUID on the target (default: the same)." };
        var cmd = new Command("copy", "Copy an image to another domain, block or file; prints the new volumes' UUIDs, base first.") { sd, image, to, collapse, newImage };
        o.AddTo(cmd);
        var agent = new AgentOptions(required: false);
        agent.AddTo(cmd, structural: true);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var domain = StorageOptions.Uuid(p.GetValue(sd), "domain");
            var target = StorageOptions.Uuid(p.GetValue(to), "target domain");
            var img = StorageOptions.Uuid(p.GetValue(image), "image");
            var options = new CopyOptions
            {
                Collapse = p.GetValue(collapse),
                NewImage = p.GetValue(newImage) is { } n ? StorageOptions.Uuid(n, "new image") : null,
            };
            if (await o.RouteAsync(p, agent, domain, ct) is { } route)
            {
                return await AgentTasks.SubmitAsync(route, p.GetValue(o.Json), AgentVerbs.ImageCopy,
                    new ImageCopyRequest(domain, img, target, options.NewImage, options.Collapse, Forward: route.Forward), ct);
            }

            using var logs = StorageOptions.Logs();
            var locator = o.Locator(p);
            await using var source = await StorageOptions.OpenAsync(locator, domain, ct);
            await using var targetStore = await StorageOptions.OpenAsync(locator, target, ct);
            await using var writer = await o.OpenWriterAsync(p, targetStore, logs.CreateLogger("sanpool.copy"), ct);
            var progress = new Progress($"copy {img}");
            var volumes = await CopyImage.RunAsync(source, img, writer, options, progress.Report, ct);
            progress.Done();
            Print(p.GetValue(o.Json), new { image = options.NewImage ?? img, domain = target, volumes }, [.. volumes]);
            return 0;
        });
        return cmd;
    }

    /// <summary>--size read as the agent reads it; a bad one is bad usage (exit 2).</summary>
    private static long Capacity(string text)
    {
        try
        {
            return SizeParser.ParseCapacity(text);
        }
        catch (Sanpool.Core.SanpoolException e) when (e.Code == Sanpool.Core.CommonErrors.InvalidArgument)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Prints <paramref name="value"/> as JSON, or else <paramref name="line"/>.</summary>
    internal static void PrintLine(bool json, object value, string line) =>
        Console.WriteLine(json ? JsonSerializer.Serialize(value, CliJson.Options) : line);

    internal static void Print(bool json, object value, params Guid[] ids)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(value, CliJson.Options));
        }
        else
        {
            foreach (var id in ids)
            {
                Console.WriteLine(id);
            }
        }
    }
}
