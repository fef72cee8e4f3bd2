using Sanpool.TestSupport;
using System.Globalization;
using Sanpool.Leases;
using Xunit.Abstractions;

namespace Sanpool.Interop.Tests.Support;

/// <summary>
/// What the mutual-exclusion tests between the real sanlock daemon and Sanpool's share: one
/// lockspace and one resource on a 512/1M loop device, io_timeout 1, and the host_dead bound
/// (8 x io_timeout + 60 = 68 s) a takeover must respect after the holder's host dies.
/// </summary>
internal sealed class Takeover(ITestOutputHelper output)
{
    public const int Io = 1;
    public const int HostDead = (8 * Io) + 60;

    /// <summary>
    /// How late after host_dead a takeover may come. The taker notices the dead host's last
    /// renewal up to one renewal interval (2 x io_timeout) late, counts whole seconds and wants
    /// strictly more than host_dead, then polls once a second; sanlock itself lands 70-73 s.
    /// </summary>
    public const double Slack = 8;

    public static readonly GeometryCase Geometry = GeometryCase.Parse("loop-512-1M");

    public static double Now => MonotonicClock.System.Now.TotalSeconds;

    public static async Task InitAsync(LeaseTarget target)
    {
        await SanpoolCli.OutputAsync(["lease", "init", "-s", target.Lockspace("LS", 0), .. Geometry.GeometryArgs, "-o", "1"]);
        await SanpoolCli.OutputAsync(["lease", "init", "-r", target.Resource("LS", "RES"), .. Geometry.GeometryArgs]);
    }

    /// <summary>
    /// The dead host's last renewal: the timestamp of its delta lease once it has stopped
    /// changing. Both sanlock and Sanpool write CLOCK_MONOTONIC seconds there, and every process
    /// here shares that clock, so it compares directly with our own.
    /// </summary>
    public static async Task<ulong> LastRenewalAsync(LeaseTarget target, int hostId)
    {
        ulong last = 0;
        for (int stable = 0; stable < 3;)
        {
            var fields = LeaderFields.Parse(await SanpoolCli.OutputAsync("lease", "read-leader", "-s", target.Lockspace("LS", hostId)));
            ulong ts = fields.Number("timestamp");
            stable = ts == last ? stable + 1 : 0;
            last = ts;
            await Task.Delay(500);
        }

        Assert.NotEqual(0UL, last);
        return last;
    }

    /// <summary>Starts acquire attempts one after another until one holds; returns when (monotonic) and after how many.</summary>
    public async Task<(TimeSpan At, int Attempts)> AcquireUntilHeldAsync(Func<Task<HolderRun>> attempt, TimeSpan timeout)
    {
        var deadline = MonotonicClock.System.Now + timeout;
        for (int n = 1; ; n++)
        {
            var run = await attempt();
            var (held, at) = await run.WaitAsync(deadline - MonotonicClock.System.Now + TimeSpan.FromSeconds(1));
            if (held)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"attempt {n} acquired at {at.TotalSeconds:0.000}"));
                return (at, n);
            }

            if (n <= 3 || n % 20 == 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"attempt {n} failed at {at.TotalSeconds:0.000} with exit code {run.Process.ExitCode}: {run.Output.Trim()}"));
            }

            Assert.True(MonotonicClock.System.Now < deadline, $"not acquired within {timeout.TotalSeconds} s ({n} attempts)");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The timestamp is the whole second in which the last renewal started, so the renewal lies
    /// in [ts, ts + 1): a takeover before ts + host_dead is certainly early. The bound is
    /// therefore checked to the granularity of a second.
    /// </summary>
    public void AssertTakeoverTime(ulong lastRenewal, TimeSpan acquiredAt, int attempts)
    {
        double after = acquiredAt.TotalSeconds - lastRenewal;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"taken {after:0.000} s after the last renewal (host_dead {HostDead} s), after {attempts} attempt(s)"));
        Assert.True(after >= HostDead, $"taken {after:0.000} s after the last renewal, before host_dead ({HostDead} s)");
        Assert.True(after <= HostDead + Slack, $"taken {after:0.000} s after the last renewal, more than {Slack} s after host_dead ({HostDead} s)");
    }
}
