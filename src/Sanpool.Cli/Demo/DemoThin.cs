using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Harness.LocalPools;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Cli.Demo;

/// <summary>
/// The demo's thin-provisioning step: a host that is not SPM prepares the disk (its chain
/// served over that host's NBD socket), the real qemu-io writes into it through the printed
/// json: drive spec, and the host's thin monitor has the SPM extend the leaf's LV through the
/// storage mailbox as the writes come; a write that finds no room yet is tried again, as a
/// guest's would after its VM resumed.
/// </summary>
internal sealed class DemoThin(LocalPool pool, DemoConsole output)
{
    private const long MiB = 1024 * 1024;
    private const int WriteMiB = 768;
    private const int StepMiB = 64;

    public async Task RunAsync(int spm, Guid domain, Guid image, CancellationToken cancellationToken)
    {
        int host = pool.HostIds.First(h => h != spm);
        var args = new Dictionary<string, string> { ["domain"] = $"{domain}", ["image"] = $"{image}" };
        var prepared = await pool.InvokeAsync(host, "image.prepare", args, cancellationToken).ConfigureAwait(false);
        var leaf = prepared["volumes"]!.AsArray()[^1]!;
        output.Step($"thin provisioning: host{host} (not SPM) prepares the disk: its {prepared["volumes"]!.AsArray().Count} volumes are served over " +
            $"{prepared["nbd_socket"]}; the leaf's LV is {(long)leaf["lv_size"]! / MiB} MiB, exported at its maximum, {(long)leaf["export_size"]! / MiB} MiB");
        output.Step($"  qemu's drive: {Shorten((string)prepared["drive"]!)}");
        output.Step($"qemu-io writes {WriteMiB} MiB through host{host}'s NBD exports; host{host}'s monitor asks the SPM (host{spm}) for room through " +
            "the storage mailbox (its slot in the master's inbox, the answer in the outbox), and the SPM runs lvextend");
        long since = (long)(await pool.InvokeAsync(host, "events", new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false))["last"]!;
        var clock = Stopwatch.StartNew();
        int refused = await WriteAsync((string)prepared["drive"]!, cancellationToken).ConfigureAwait(false);
        var events = (await pool.InvokeAsync(host, "events", new Dictionary<string, string> { ["since"] = $"{since}" }, cancellationToken).ConfigureAwait(false))["events"]!.AsArray();
        foreach (var e in events.Where(e => (string?)e!["kind"] == "extend.done"))
        {
            output.Step($"  extended {e!["from_mib"]} -> {e["to_mib"]} MiB in {e["latency_ms"]} ms (request, mailbox, lvextend on the SPM, reply, remap on host{host})");
        }

        output.Step($"  {WriteMiB} MiB written in {DemoConsole.Seconds(clock.Elapsed)}; {refused} of {WriteMiB / StepMiB} writes found no room at first and were tried again");
        await pool.InvokeAsync(host, "image.teardown", args, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> WriteAsync(string drive, CancellationToken cancellationToken)
    {
        int refused = 0;
        for (int at = 0; at < WriteMiB; at += StepMiB)
        {
            bool first = true;
            while (true)
            {
                var run = await ExternalTool.RunAsync(["qemu-io", "-c", string.Create(CultureInfo.InvariantCulture, $"write -P 0x5a {at}M {StepMiB}M"), drive],
                    TimeSpan.FromMinutes(2), cancellationToken, check: false).ConfigureAwait(false);
                string text = run.Stdout + run.Stderr;
                if (run.ExitCode == 0 && !text.Contains("failed", StringComparison.OrdinalIgnoreCase))
                {
                    break;
                }

                if (!text.Contains("No space left on device", StringComparison.Ordinal))
                {
                    throw new SanpoolException(ToolErrors.Failed, $"qemu-io failed writing at {at} MiB: {text.Trim()}");
                }

                refused += first ? 1 : 0;
                first = false;
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        return refused;
    }

    private static string Shorten(string drive) => drive.Length <= 160 ? drive : drive[..157] + "...";
}
