using System.CommandLine;
using Sanpool.Api;
using Sanpool.Api.DataPath;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool image prepare|teardown SD IMAGE --agent SOCKET|URL</c>: make an image's chain
/// usable on the host whose agent --agent names (VDSM's prepareImage / teardownImage). The
/// agent serves each volume (an LV over its NBD socket, a file as itself) for as long as it
/// stays prepared; prepare prints the qemu drive specification of the whole chain.
/// </summary>
public static class ImageServeCommands
{
    public static Command Prepare()
    {
        var (sd, image, agent, json) = Arguments();
        var cmd = new Command("prepare",
            "Make the image usable on the agent's host: its volumes are served (block: over the agent's NBD socket; file: the files), the leaf writable, " +
            "and a thin leaf grows on demand through the SPM. Prints the qemu drive specification of the whole chain, a json: block-device tree " +
            "that qemu-img, qemu-io and qemu-system-x86_64 -drive file=... take as is; --json prints the chain too, and the chain as -blockdev nodes " +
            "linked by node name (every volume over NBD, as the agent starts its VMs). Preparing again prints the same.")
        { sd, image, json };
        agent.AddTo(cmd, structural: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var (domain, img) = Ids(p, sd, image, agent);
            using var client = agent.Client(p);
            var answer = await AgentCall.CallAsync(client, AgentVerbs.ImagePrepare, new ImagePrepareRequest(domain, img), ct);
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(ApiJson.Node(answer)) : answer.Drive);
            return 0;
        });
        return cmd;
    }

    public static Command Teardown()
    {
        var (sd, image, agent, json) = Arguments();
        var cmd = new Command("teardown",
            "Stop serving the image on the agent's host: its NBD exports go away (their clients are disconnected) and a thin leaf is no longer watched. " +
            "Tearing down an image that is not prepared does nothing.")
        { sd, image, json };
        agent.AddTo(cmd, structural: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            var (domain, img) = Ids(p, sd, image, agent);
            using var client = agent.Client(p);
            var answer = await AgentCall.CallAsync(client, AgentVerbs.ImageTeardown, new ImageTeardownRequest(domain, img), ct);
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(ApiJson.Node(answer))
                : answer.TornDown ? $"image {p.GetRequiredValue(image)} torn down" : $"image {p.GetRequiredValue(image)} was not prepared");
            return 0;
        });
        return cmd;
    }

    private static (Argument<string> Sd, Argument<string> Image, AgentOptions Agent, Option<bool> Json) Arguments() => (
        new Argument<string>("SD") { Description = "The domain's UUID." },
        new Argument<string>("IMAGE") { Description = "The image's UUID." },
        new AgentOptions(required: true),
        new Option<bool>("--json") { Description = "Print the agent's JSON answer." });

    private static (Guid Domain, Guid Image) Ids(ParseResult p, Argument<string> sd, Argument<string> image, AgentOptions agent)
    {
        var ids = (StorageOptions.Uuid(p.GetRequiredValue(sd), "SD"), StorageOptions.Uuid(p.GetRequiredValue(image), "IMAGE"));
        agent.Given(p);
        return ids;
    }
}
