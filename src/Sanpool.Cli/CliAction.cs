using System.CommandLine;
using Sanpool.Core;

namespace Sanpool.Cli;

/// <summary>
/// Runs a command's body with the CLI's error contract: a SanpoolException becomes one line on
/// stderr, "sanpool: NAME (code): message", and exit code 1; Ctrl-C exits 130.
/// </summary>
public static class CliAction
{
    public const int Failure = 1;

    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await body(parse, ct).ConfigureAwait(false);
            }
            catch (SanpoolException e)
            {
                await Console.Error.WriteLineAsync($"sanpool: {e.OneLine}").ConfigureAwait(false);
                return Failure;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("sanpool: interrupted").ConfigureAwait(false);
                return 130;
            }
        });
    }
}
