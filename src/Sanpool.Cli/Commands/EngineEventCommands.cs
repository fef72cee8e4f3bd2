using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Cli.EngineApi;
using Sanpool.Core;
using Sanpool.Engine.Model;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool engine events [--follow]</c>: the engine's events (<c>audit_log</c>), one line each,
/// oldest first. Event ids only grow, so following is asking <c>GET /api/events?from=LAST</c>
/// again every interval; it stops at Ctrl-C or SIGTERM, exit 0. An engine that stops answering
/// for a while (a restart) is waited for, not given up on.
/// </summary>
internal static class EngineEventCommands
{
    private const int PageMax = 1000;

    public static Command Create(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "After the events so far, print new ones as they happen, until Ctrl-C or SIGTERM." };
        var last = new Option<int>("--last") { Description = "Start with the last N events (0 with --follow: only new ones).", HelpName = "N", DefaultValueFactory = _ => 20 };
        var from = new Option<long?>("--from") { Description = "Start after the event with this id instead (0: from the first).", HelpName = "ID" };
        var job = new Option<string?>("--job") { Description = "Only the events of this job (its UUID).", HelpName = "JOB" };
        var severity = new Option<string?>("--severity")
        {
            Description = "Only events of this severity or worse: normal, warning, error, alert.",
            HelpName = "LEVEL",
        };
        severity.AcceptOnlyFromAmong("normal", "warning", "error", "alert");
        var interval = new Option<double>("--interval") { Description = "With --follow: seconds between two polls.", HelpName = "SECONDS", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the events' JSON: an array, or with --follow one object per line." };
        var cmd = new Command(
            "events",
            "The engine's events, oldest first, one line each: time, severity, id, kind and message (hosts up or not, SPM changes, jobs started and how they ended).")
        { follow, last, from, job, severity, interval, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            if (p.GetValue(last) < 0 || p.GetValue(from) is < 0 || p.GetValue(interval) is <= 0 or > 3600)
            {
                throw new UsageException("--last and --from are 0 or more, --interval more than 0 and at most 3600");
            }

            string? jobFilter = p.GetValue(job) is { } j ? $"job={StorageOptions.Uuid(j, "job")}" : null;
            var minimum = p.GetValue(severity) is { } s ? Enum.Parse<AuditLogSeverity>(s, ignoreCase: true) : AuditLogSeverity.NORMAL;
            var printer = new Printer(EngineVerbs.Out(p), p.GetValue(json), p.GetValue(follow), minimum);
            long after = p.GetValue(from) ?? await StartAfterAsync(client, jobFilter, p.GetValue(last), ct).ConfigureAwait(false);
            after = await PrintAfterAsync(client, after, jobFilter, printer, ct).ConfigureAwait(false);
            if (!p.GetValue(follow))
            {
                await printer.EndAsync().ConfigureAwait(false);
                return 0;
            }

            await EngineVerbs.Error(p).WriteLineAsync($"sanpool: following the events of {client.Target} after id {after} (Ctrl-C to stop)").ConfigureAwait(false);
            var every = TimeSpan.FromSeconds(p.GetValue(interval));
            bool failing = false;
            try
            {
                while (true)
                {
                    await Task.Delay(every, ct).ConfigureAwait(false);
                    try
                    {
                        after = await PrintAfterAsync(client, after, jobFilter, printer, ct).ConfigureAwait(false);
                        failing = false;
                    }
                    catch (SanpoolException e) when (e.IsTransient)
                    {
                        // An engine restarting is a gap to wait out, said once: events are kept, and reading goes on from the last id seen.
                        if (!failing)
                        {
                            failing = true;
                            await EngineVerbs.Error(p).WriteLineAsync($"sanpool: events: {e.OneLine}; trying again every {every.TotalSeconds:0.#} s").ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C or SIGTERM is how following ends.
                return 0;
            }
        });
    }

    /// <summary>
    /// The id to list after so that the last <paramref name="count"/> events show: the total
    /// (<c>?max=1</c>), then the id of the event <paramref name="count"/> from the end, read as
    /// a page of one.
    /// </summary>
    private static async Task<long> StartAfterAsync(EngineClient client, string? jobFilter, int count, CancellationToken ct)
    {
        string filter = jobFilter is null ? "" : "&" + jobFilter;
        var first = await client.GetAsync($"api/events?max=1{filter}", ct).ConfigureAwait(false);
        long total = first["total"] is JsonValue t && t.TryGetValue(out long n) ? n : 0;
        if (total == 0 || count >= total)
        {
            return 0;
        }

        long index = total - Math.Max(count, 1) + 1;
        var at = await client.GetAsync(FormattableString.Invariant($"api/events?max=1&page={index}{filter}"), ct).ConfigureAwait(false);
        long id = at["items"] is JsonArray { Count: 1 } items ? client.As<EventDto>(items[0]!).Id : 0;
        return count == 0 ? id : Math.Max(id - 1, 0);
    }

    /// <summary>Prints every event after <paramref name="after"/> (page by page); returns the last id seen.</summary>
    private static async Task<long> PrintAfterAsync(EngineClient client, long after, string? jobFilter, Printer printer, CancellationToken ct)
    {
        string query = string.Create(CultureInfo.InvariantCulture, $"from={after}") + (jobFilter is null ? "" : "&" + jobFilter);
        var items = await client.ListAsync("api/events", PageMax, null, query, ct).ConfigureAwait(false);
        foreach (var node in items)
        {
            var e = client.As<EventDto>(node!);
            after = Math.Max(after, e.Id);
            await printer.PrintAsync(e, node!).ConfigureAwait(false);
        }

        return after;
    }

    /// <summary>Events as lines, or as JSON: an array at the end, or one object per line while following.</summary>
    private sealed class Printer(TextWriter output, bool json, bool follow, AuditLogSeverity minimum)
    {
        private readonly JsonArray _collected = [];

        public async Task PrintAsync(EventDto e, JsonNode node)
        {
            if (e.Severity < minimum)
            {
                return;
            }

            if (!json)
            {
                await output.WriteLineAsync(EngineText.Event(e)).ConfigureAwait(false);
            }
            else if (follow)
            {
                await output.WriteLineAsync(node.ToJsonString()).ConfigureAwait(false);
            }
            else
            {
                _collected.Add(node.DeepClone());
            }

            await output.FlushAsync().ConfigureAwait(false);
        }

        public async Task EndAsync()
        {
            if (json && !follow)
            {
                await output.WriteLineAsync(EngineVerbs.Print(_collected)).ConfigureAwait(false);
            }
        }
    }
}
