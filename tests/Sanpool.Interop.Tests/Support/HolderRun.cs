using System.Diagnostics;
using System.Text;
using Sanpool.Leases;

namespace Sanpool.Interop.Tests.Support;

/// <summary>
/// A <c>lease command</c> (sanpool's or sanlock's) started in the background: the process that
/// registers, acquires and then execs the holder program, so that it becomes the holder.
/// </summary>
internal sealed class HolderRun(Process process, string programName, StringBuilder output)
{
    public Process Process => process;

    public int Pid => process.Id;

    public string Output { get { lock (output) { return output.ToString(); } } }

    /// <summary>
    /// Waits until the process runs the holder program (acquired: true) or exits (failed:
    /// false). Returns the monotonic time at which the exec was seen (within ~20 ms of it).
    /// </summary>
    public async Task<(bool Held, TimeSpan At)> WaitAsync(TimeSpan timeout)
    {
        var deadline = MonotonicClock.System.Now + timeout;
        string expected = programName.Length > 15 ? programName[..15] : programName;
        while (MonotonicClock.System.Now < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // drains the output
                return (false, MonotonicClock.System.Now);
            }

            if (Signals.Comm(process.Id) == expected)
            {
                return (true, MonotonicClock.System.Now);
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"`lease command` (pid {process.Id}) neither acquired nor failed within {timeout.TotalSeconds} s:\n{Output}");
    }
}
