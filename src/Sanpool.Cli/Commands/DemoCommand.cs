using System.CommandLine;
using Sanpool.Cli.Demo;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool demo</c>: what ./run.sh runs.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var hosts = new Option<int>("--hosts") { Description = "Hosts (lease daemons) sharing the LUN.", DefaultValueFactory = _ => 3 };
        var io = new Option<int>("--io-timeout", "-o") { Description = "io_timeout in seconds.", DefaultValueFactory = _ => 1 };
        var rounds = new Option<int>("--rounds") { Description = "How many times the resource is held before the crash.", DefaultValueFactory = _ => 8 };
        var noCrash = new Option<bool>("--no-crash") { Description = "Skip the crash and takeover (which waits host_dead, 68 s at io_timeout 1)." };
        var dir = new Option<string>("--work-dir") { Description = "Where the LUN's backing file and host run dirs go.", DefaultValueFactory = _ => "/var/tmp/sanpool-demo" };
        var cmd = new Command("demo",
            "Run a local cluster on a loop-device LUN: several hosts as separate processes, one lockspace, " +
            "one resource changing hands, then a host crash and a safe takeover. Needs root (losetup).")
        {
            hosts, io, rounds, noCrash, dir,
        };
        CliAction.Set(cmd, (p, ct) =>
        {
            int n = p.GetValue(hosts);
            if (n is < 2 or > 16)
            {
                throw Core.CommonErrors.Invalid($"--hosts {n}: give 2 to 16 hosts");
            }

            var options = new DemoOptions(n, Commands.LeaseDirectCommands.CheckIoTimeout(p.GetValue(io)), Math.Max(1, p.GetValue(rounds)), !p.GetValue(noCrash), p.GetRequiredValue(dir));
            return new LeaseDemo(options).RunAsync(ct);
        });
        return cmd;
    }
}
