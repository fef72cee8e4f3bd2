using Sanpool.Core;
using Sanpool.LeaseDaemon.Client;

namespace Sanpool.LeaseDaemon.Tests.Support;

/// <summary>
/// The test assembly's entry point, used only when the tests spawn it as a lease holder in a
/// process of its own (<c>dotnet exec Sanpool.LeaseDaemon.Tests.dll MODE ...</c>):
/// <list type="bullet">
/// <item><c>command RUN_DIR RES[,RES...] PROG ARGS...</c>: <see cref="LeaseCommand.ExecAsync"/>, the
/// code behind <c>sanpool lease command</c>: the process becomes PROG.</item>
/// <item><c>heartbeat RUN_DIR RES INTERVAL_MS BEATS</c>: registers with a heartbeat, acquires,
/// beats BEATS times, then stays alive and silent.</item>
/// </list>
/// </summary>
internal static class HolderProgram
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            switch (args)
            {
                case ["command", var runDir, var resources, var program, .. var rest]:
                    await LeaseCommand.ExecAsync(runDir, resources.Split(','), null, program, rest, CancellationToken.None);
                    return 0; // not reached
                case ["heartbeat", var runDir, var resource, var interval, var beats]:
                    await HeartbeatAsync(runDir, resource, TimeSpan.FromMilliseconds(int.Parse(interval)), int.Parse(beats));
                    return 0;
                default:
                    await Console.Error.WriteLineAsync("usage: command RUN_DIR RES[,RES] PROG ARGS... | heartbeat RUN_DIR RES INTERVAL_MS BEATS");
                    return 2;
            }
        }
        catch (SanpoolException e)
        {
            await Console.Error.WriteLineAsync($"sanpool: {e.OneLine}");
            return 1;
        }
    }

    private static async Task HeartbeatAsync(string runDir, string resource, TimeSpan interval, int beats)
    {
        await using var client = await LeaseDaemonClient.ConnectAsync(runDir, CancellationToken.None);
        await client.RegisterAsync(interval, CancellationToken.None);
        await client.AcquireAsync([resource], null, CancellationToken.None);
        for (int i = 0; i < beats; i++)
        {
            await Task.Delay(interval);
            await client.HeartbeatAsync(CancellationToken.None);
        }

        await Task.Delay(Timeout.Infinite);
    }
}
