using System.CommandLine;
using System.Text.Json.Nodes;

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
            var answer = await CallAsync(p, agent, "image.prepare", sd, image, ct);
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(answer) : (string?)answer["drive"]);
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
            var answer = await CallAsync(p, agent, "image.teardown", sd, image, ct);
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(answer)
                : (bool?)answer["torn_down"] == true ? $"image {p.GetRequiredValue(image)} torn down" : $"image {p.GetRequiredValue(image)} was not prepared");
            return 0;
        });
        return cmd;
    }

    private static (Argument<string> Sd, Argument<string> Image, AgentOptions Agent, Option<bool> Json) Arguments() => (
        new Argument<string>("SD") { Description = "The domain's UUID." },
        new Argument<string>("IMAGE") { Description = "The image's UUID." },
        new AgentOptions(required: true),
        new Option<bool>("--json") { Description = "Print the agent's JSON answer." });

    private static async Task<JsonNode> CallAsync(ParseResult p, AgentOptions agent, string verb, Argument<string> sd, Argument<string> image, CancellationToken ct)
    {
        var args = new Dictionary<string, string>
        {
            ["domain"] = StorageOptions.Uuid(p.GetRequiredValue(sd), "SD").ToString(),
            ["image"] = StorageOptions.Uuid(p.GetRequiredValue(image), "IMAGE").ToString(),
        };
        agent.Given(p);
        using var client = agent.Client(p);
        return await AgentCall.InvokeAsync(client, verb, args, ct);
    }
}
