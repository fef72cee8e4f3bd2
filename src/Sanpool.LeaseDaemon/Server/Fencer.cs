using System.Runtime.InteropServices;
using Sanpool.LeaseDaemon.Native;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// Kills holder processes that must not go on holding leases, and tells when they are dead.
/// <para>
/// A holder of a failed lockspace gets SIGTERM, then SIGKILL after the kill grace. A frozen
/// holder (stopped, or silent past its heartbeat) gets SIGKILL at once: SIGTERM stays pending
/// on a stopped process and would only act once someone sends SIGCONT. So does any holder that
/// is seen stopped while it is being fenced.
/// </para>
/// <para>
/// The race this guards against, with a frozen holder H on host A and host B wanting the lease:
/// <code>
///   A: H stopped          A keeps renewing; B gets IDLIVE, and will until A releases
///   A: H stopped > limit  SIGKILL H
///   A: H gone             release the lease on disk (only now)
///   B: acquire            succeeds; H can never wake up and write again
/// </code>
/// Releasing before H is seen gone would let B in while H could still be thawed.
/// </para>
/// </summary>
internal sealed class Fencer(DaemonServices s)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>Starts fencing the client (once; a second request can only make it harsher).</summary>
    public void Fence(RegisteredClient client, string reason, bool now)
    {
        if (client.Pid == Environment.ProcessId)
        {
            // An in-process client (tests, embedding): killing it would kill the daemon.
            DaemonLog.CannotFenceSelf(s.Logger, s.HostName, client.Pid, reason);
            return;
        }

        if (!client.RequestFence(reason, now, out _))
        {
            return;
        }

        var leases = client.Leases();
        var resources = string.Join(' ', leases.Select(l => l.Text));
        DaemonLog.Fencing(s.Logger, s.HostName, client.Pid, reason, resources.Length == 0 ? "nothing" : resources);
        var grace = s.KillGraceFor(leases);
        s.Tasks.Run($"fence pid {client.Pid}", () => RunAsync(client, grace, s.Stopping));
    }

    private async Task RunAsync(RegisteredClient client, TimeSpan grace, CancellationToken cancellationToken)
    {
        var start = s.Now;
        TimeSpan? termAt = null;
        TimeSpan? killAt = null;
        var nextComplaint = TimeSpan.FromSeconds(10);
        while (true)
        {
            var p = (await ProcessInspector.ReadAsync(client.Pid, cancellationToken).ConfigureAwait(false)).For(client.StartTime);
            var now = s.Now;
            if (p.IsDead)
            {
                DaemonLog.FencedGone(s.Logger, s.HostName, client.Pid, (now - start).TotalSeconds);
                client.MarkDead();
                return;
            }

            if (killAt is null && (client.FenceNow || p.State == ProcessState.Stopped || now - termAt >= grace))
            {
                Signal(client, Posix.SIGKILL, p);
                killAt = now;
            }
            else if (termAt is null && killAt is null)
            {
                Signal(client, Posix.SIGTERM, p);
                termAt = now;
            }
            else if (killAt is { } k && now - k >= nextComplaint)
            {
                DaemonLog.StillAlive(s.Logger, s.HostName, client.Pid, (now - k).TotalSeconds);
                nextComplaint += nextComplaint;
            }

            await s.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Signal(RegisteredClient client, int signal, ProcessSnapshot state)
    {
        string name = signal == Posix.SIGKILL ? "SIGKILL" : "SIGTERM";
        DaemonLog.Signalled(s.Logger, s.HostName, name, client.Pid, state.State.ToString().ToLowerInvariant());
        if (Core.Signals.Kill(client.Pid, signal) != 0 && Marshal.GetLastPInvokeError() is int errno and not Posix.ESRCH)
        {
            DaemonLog.SignalFailed(s.Logger, s.HostName, name, client.Pid, Posix.Describe(errno));
        }
    }
}
