using System.CommandLine;
using System.Text.Json.Nodes;
using Sanpool.Cli.EngineApi;

namespace Sanpool.Cli.Commands;

/// <summary>
/// What every <c>sanpool engine</c> client verb shares: its options, a client for its body
/// (disposed after it, revoking a token it logged in for), output to the invocation's writer,
/// and the two reads every collection has, <c>list</c> and <c>show</c>.
/// </summary>
internal static class EngineVerbs
{
    public static Option<bool> Json() => new("--json") { Description = "Print the engine's JSON as it answered (for a list: the array of its items, every page)." };

    public static Argument<string> Id(string noun) => new("ID") { Description = $"The {noun}'s UUID." };

    /// <summary>A verb's body with a client of the engine its options name.</summary>
    public static Command Verb(Command command, Func<EngineClientSettings, EngineClientSettings>? configure, Func<ParseResult, EngineClient, CancellationToken, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(command);
        var options = new EngineOptions(configure);
        options.AddTo(command);
        CliAction.Set(command, async (p, ct) =>
        {
            var client = options.Client(p);
            await using (client.ConfigureAwait(false))
            {
                return await body(p, client, ct).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary><c>list</c>: every page as a table (or the items' JSON); --max and --page ask for one page.</summary>
    public static Command List<T>(EngineView<T> view, string description, Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        ArgumentNullException.ThrowIfNull(view);
        var json = Json();
        var max = new Option<int?>("--max") { Description = "Items per page, 1-1000 (the engine's default 100).", HelpName = "N" };
        var page = new Option<int?>("--page") { Description = "Only this page (counting from 1); without it every page is read.", HelpName = "P" };
        return Verb(new Command("list", description) { json, max, page }, configure, async (p, client, ct) =>
        {
            var items = await view.Of(client).ListJsonAsync(p.GetValue(max), p.GetValue(page), ct).ConfigureAwait(false);
            await Out(p).WriteLineAsync(p.GetValue(json) ? Print(items) : view.Table([.. items.Select(i => client.As<T>(i!))])).ConfigureAwait(false);
            return 0;
        });
    }

    /// <summary><c>show ID</c>: one item as "key: value" lines (or its JSON).</summary>
    public static Command Show<T>(EngineView<T> view, string noun, string description, Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        ArgumentNullException.ThrowIfNull(view);
        var json = Json();
        var id = Id(noun);
        return Verb(new Command("show", description) { id, json }, configure, async (p, client, ct) =>
        {
            var item = await view.Of(client).GetJsonAsync(Uuid(p, id, noun), ct).ConfigureAwait(false);
            await Out(p).WriteLineAsync(p.GetValue(json) ? Print(item) : EngineText.Details(item)).ConfigureAwait(false);
            return 0;
        });
    }

    public static Guid Uuid(ParseResult p, Argument<string> id, string noun) => StorageOptions.Uuid(p.GetValue(id), noun);

    public static TextWriter Out(ParseResult p) => p.InvocationConfiguration.Output;

    public static TextWriter Error(ParseResult p) => p.InvocationConfiguration.Error;

    /// <summary>JSON as the CLI prints it: indented, text unescaped.</summary>
    public static string Print(JsonNode? node) => node?.ToJsonString(CliJson.Options) ?? "null";

    /// <summary>
    /// The end of every action verb: without --wait, what was started (or the engine's JSON);
    /// with it, the job followed with its progress bar, then <paramref name="after"/> fetched and
    /// printed (as JSON with --json, else as <paramref name="text"/> says).
    /// </summary>
    public static async Task<int> FinishActionAsync(
        ParseResult p, EngineClient client, JsonNode answer, Guid jobId, Option<bool> wait, Option<bool> json, string started,
        Func<CancellationToken, Task<JsonNode>> after, Func<JsonNode, string> text, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(text);
        var output = Out(p);
        if (!p.GetValue(wait))
        {
            await output.WriteLineAsync(p.GetValue(json) ? Print(answer) : started).ConfigureAwait(false);
            return 0;
        }

        await EngineJobFollower.FollowAsync(client, jobId, p, ct).ConfigureAwait(false);
        var shown = await after(ct).ConfigureAwait(false);
        await output.WriteLineAsync(p.GetValue(json) ? Print(shown) : text(shown)).ConfigureAwait(false);
        return 0;
    }
}
