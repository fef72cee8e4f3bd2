using System.Globalization;
using System.Text.Json.Nodes;

namespace Sanpool.Cli.Commands;

/// <summary>
/// The agent's JSON answers as people read them: "key: value" lines for one thing, a table for
/// tasks. Members this code does not know are still printed (as "key: value"), so a newer
/// agent's answer loses nothing; <c>--json</c> prints the answer as the agent gave it.
/// </summary>
internal static class AgentText
{
    public static string Json(JsonNode node) => node.ToJsonString(CliJson.Options);

    /// <summary><c>status</c>: the host, its pool, its SPM role and lease.</summary>
    public static string Status(JsonNode status)
    {
        var lines = new List<(string, string)>();
        var o = status as JsonObject ?? [];
        string? id = AgentTasks.Text(o, "host_id");
        string? name = AgentTasks.Text(o, "host_name");
        lines.Add(("host", name is null ? id ?? "?" : $"{id} ({name})"));
        Add(lines, o, "pool");
        Add(lines, o, "master", "master domain");
        if (AgentTasks.Text(o, "connected") is { } connected)
        {
            lines.Add(("connected", connected == "true" ? "yes" : "no (the agent is still connecting to the pool)"));
        }

        if (o["spm"] is JsonObject spm)
        {
            lines.Add(("spm", Spm(spm)));
        }

        if (AgentTasks.Text(o, "lease_valid") is { } valid)
        {
            lines.Add(("host lease", valid == "true" ? "valid" : "NOT VALID (cannot renew its host id)"));
        }

        if (AgentTasks.Text(o, "sees_all") is { } seesAll)
        {
            lines.Add(("sees all domains", seesAll == "true" ? "yes" : "no"));
        }

        string text = Lines(lines, Rest(o, "host_id", "host_name", "pool", "master", "connected", "spm", "lease_valid", "sees_all", "domains", "hosts"));
        if (o["domains"] is JsonArray { Count: > 0 } domains)
        {
            text += $"{Environment.NewLine}{Environment.NewLine}domains, as this host last checked them{Environment.NewLine}{StatusTables.Domains(domains)}";
        }

        if (o["hosts"] is JsonArray { Count: > 0 } hosts)
        {
            text += $"{Environment.NewLine}{Environment.NewLine}hosts, from their reports in the master domain{Environment.NewLine}{StatusTables.Hosts(hosts)}";
        }

        return text;
    }

    /// <summary><c>spm.status</c>, <c>spm.start</c>, <c>spm.stop</c>: the role on one line, then the lease version.</summary>
    public static string SpmStatus(JsonNode status)
    {
        var o = status as JsonObject ?? [];
        var lines = new List<(string, string)> { ("spm", Spm(o)) };
        Add(lines, o, "lver", "spm lease version");
        return Lines(lines, Rest(o, "state", "spm_id", "lver"));
    }

    /// <summary>"SPM (this host)", "Free; the SPM is host 2", "Free; the pool has no SPM", "Contend".</summary>
    public static string Spm(JsonObject spm)
    {
        string state = AgentTasks.Text(spm, "state") ?? "?";
        string? spmId = AgentTasks.Text(spm, "spm_id");
        if (state == "SPM")
        {
            return "SPM (this host)";
        }

        return spmId is null ? state
            : int.TryParse(spmId, CultureInfo.InvariantCulture, out int host) && host > 0 ? $"{state}; the SPM is host {host}"
            : $"{state}; the pool has no SPM";
    }

    /// <summary>One task, "key: value" lines.</summary>
    public static string Task(JsonNode task)
    {
        var o = task as JsonObject ?? [];
        var lines = new List<(string, string)>();
        Add(lines, o, "id", "task");
        Add(lines, o, "verb");
        lines.Add(("state", $"{AgentTasks.Text(o, "state") ?? "?"}, {AgentTasks.Percent(o):0}%"));
        if (o["args"] is JsonObject args)
        {
            lines.Add(("args", string.Join(" ", args.Select(a => $"{a.Key}={AgentTasks.Text(args, a.Key)}"))));
        }

        Add(lines, o, "waiting", "waiting for");
        Add(lines, o, "result");
        Add(lines, o, "error");
        Add(lines, o, "host", "run by host");
        Add(lines, o, "lver", "spm lease version");
        foreach (var time in new[] { "created", "updated" })
        {
            if (AgentTasks.Text(o, time) is { } t)
            {
                lines.Add((time, StatusTables.LocalTime(t)));
            }
        }

        return Lines(lines, Rest(o, "id", "verb", "state", "progress", "args", "waiting", "result", "error", "error_code", "error_name", "host", "lver", "created", "updated"));
    }

    /// <summary>
    /// Tasks as a table, in the agent's order (oldest first, by submission; "created" is in whole
    /// seconds, so sorting by it here would shuffle tasks made within one second): id, verb,
    /// state, progress, then the result or the error.
    /// </summary>
    public static string Tasks(IReadOnlyList<JsonNode> tasks)
    {
        if (tasks.Count == 0)
        {
            return "no tasks";
        }

        var rows = tasks
            .Select(t => new[]
            {
                AgentTasks.Text(t, "id") ?? "?",
                AgentTasks.Text(t, "verb") ?? "",
                AgentTasks.Text(t, "state") ?? "",
                $"{AgentTasks.Percent(t):0}%",
                AgentTasks.Text(t, "error") ?? AgentTasks.Text(t, "result") ?? (AgentTasks.Text(t, "waiting") is { } w ? $"waiting for {w}" : ""),
            })
            .Prepend(["TASK", "VERB", "STATE", "DONE", "RESULT"])
            .ToList();
        int[] widths = [.. Enumerable.Range(0, 4).Select(i => rows.Max(r => r[i].Length))];
        return string.Join(Environment.NewLine, rows.Select(row =>
            string.Concat(Enumerable.Range(0, 4).Select(i => row[i].PadRight(widths[i] + 2)).Append(row[4])).TrimEnd()));
    }

    /// <summary>The tasks of a task.list answer: an array, or an object holding one as "tasks".</summary>
    public static IReadOnlyList<JsonNode> TaskList(JsonNode answer) => answer switch
    {
        JsonArray a => [.. a.OfType<JsonNode>()],
        JsonObject o when o["tasks"] is JsonArray a => [.. a.OfType<JsonNode>()],
        _ => [],
    };

    private static void Add(List<(string, string)> lines, JsonObject o, string name, string? label = null)
    {
        if (AgentTasks.Text(o, name) is { } value)
        {
            lines.Add((label ?? name, value));
        }
    }

    private static IEnumerable<(string, string)> Rest(JsonObject o, params string[] known) =>
        o.Where(m => !known.Contains(m.Key)).Select(m => (m.Key, m.Value is JsonValue ? AgentTasks.Text(o, m.Key) ?? "" : m.Value?.ToJsonString() ?? "null"));

    private static string Lines(IEnumerable<(string Key, string Value)> known, IEnumerable<(string Key, string Value)> rest)
    {
        var all = known.Concat(rest).ToList();
        int width = all.Max(l => l.Key.Length) + 2;
        return string.Join(Environment.NewLine, all.Select(l => (l.Key + ":").PadRight(width) + l.Value));
    }
}
