using System.CommandLine;
using Sanpool.Core;

namespace Sanpool.Cli;

/// <summary>
/// Runs a command's body with the CLI's error contract: a SanpoolException becomes one line on
/// stderr, "sanpool: NAME (code): message", and exit code 1; a <see cref="UsageException"/>
/// exits 2 with a pointer to the verb's help, as a parse error does; Ctrl-C exits 130. The line
/// goes to the invocation's error writer (stderr unless a caller in this process gives another).
/// </summary>
public static class CliAction
{
    public const int Failure = 1;
    public const int Usage = 2;

    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                return await body(parse, ct).ConfigureAwait(false);
            }
            catch (UsageException e)
            {
                await error.WriteLineAsync($"sanpool: {e.OneLine.TrimEnd('.')}. {HelpHint(parse)}").ConfigureAwait(false);
                return Usage;
            }
            catch (SanpoolException e)
            {
                await error.WriteLineAsync($"sanpool: {e.OneLine}").ConfigureAwait(false);
                return Failure;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await error.WriteLineAsync("sanpool: interrupted").ConfigureAwait(false);
                return 130;
            }
        });
    }

    /// <summary>"See 'sanpool image create --help'.": the help of the verb <paramref name="parse"/> reached.</summary>
    public static string HelpHint(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var path = new List<string>();
        for (var c = parse.CommandResult; c is not null && c.Command is not RootCommand; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, c.Command.Name);
        }

        return $"See 'sanpool {string.Join(' ', path.Append("--help"))}'.";
    }
}
