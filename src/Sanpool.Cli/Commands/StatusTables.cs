using System.Globalization;
using System.Text.Json.Nodes;

namespace Sanpool.Cli.Commands;

/// <summary>
/// The lists in an agent's <c>status</c> as tables for people: each domain as this host last
/// checked it (times in local time), and the pool's hosts as their reports say.
/// </summary>
internal static class StatusTables
{
    private static readonly string[] DomainColumns = ["DOMAIN", "READABLE", "LATENCY", "FREE", "TOTAL", "CHECKED", "ERROR"];
    private static readonly string[] HostColumns = ["HOST", "NAME", "SPM", "SEES ALL", "API"];

    /// <summary>"domains": DOMAIN, READABLE, LATENCY, FREE, TOTAL, CHECKED, and the error if any.</summary>
    public static string Domains(JsonArray domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var rows = new List<string[]> { DomainColumns };
        foreach (var d in domains.OfType<JsonObject>())
        {
            rows.Add(
            [
                AgentTasks.Text(d, "domain") ?? "?",
                AgentTasks.Text(d, "readable") == "true" ? "yes" : "no",
                double.TryParse(AgentTasks.Text(d, "latency_ms"), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) ? $"{ms:0.0} ms" : "",
                Bytes(AgentTasks.Text(d, "free_bytes")),
                Bytes(AgentTasks.Text(d, "total_bytes")),
                LocalTime(AgentTasks.Text(d, "checked")),
                AgentTasks.Text(d, "error") ?? "",
            ]);
        }

        return TextTable.Format(rows);
    }

    /// <summary>"hosts": HOST, NAME, SPM, SEES ALL, API (socket or TCP).</summary>
    public static string Hosts(JsonArray hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var rows = new List<string[]> { HostColumns };
        foreach (var h in hosts.OfType<JsonObject>())
        {
            rows.Add(
            [
                AgentTasks.Text(h, "host_id") ?? "?",
                AgentTasks.Text(h, "host_name") ?? "",
                AgentTasks.Text(h, "spm") ?? "",
                AgentTasks.Text(h, "sees_all") == "true" ? "yes" : "no",
                AgentTasks.Text(h, "tcp") ?? AgentTasks.Text(h, "socket") ?? "",
            ]);
        }

        return TextTable.Format(rows);
    }

    /// <summary>Unix seconds as this machine's local time, "2026-11-21 11:50:08 +01:00"; the text as it is if it is no number.</summary>
    public static string LocalTime(string? unixSeconds) =>
        long.TryParse(unixSeconds, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long s)
            ? DateTimeOffset.FromUnixTimeSeconds(s).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)
            : unixSeconds ?? "";

    /// <summary>A byte count in GiB or MiB with one decimal; empty if absent.</summary>
    private static string Bytes(string? text) =>
        !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? ""
        : b >= 1L << 30 ? string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 30):0.0} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 20):0.0} MiB");
}
