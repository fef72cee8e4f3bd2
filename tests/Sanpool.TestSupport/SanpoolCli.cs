using System.Diagnostics;
using System.Reflection;
namespace Sanpool.TestSupport;

/// <summary>
/// The <c>sanpool</c> executable under test, run as a real process: the path in the
/// environment variable <c>SANPOOL_CLI</c>, or else the checkout's <c>./sanpool</c> wrapper
/// (which builds the CLI when it is stale).
/// </summary>
public static class SanpoolCli
{
    public const string EnvironmentVariable = "SANPOOL_CLI";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);
    private static readonly Lazy<string> LazyPath = new(Locate);

    public static string Path => LazyPath.Value;

    /// <summary>Runs <c>sanpool ARGS</c> to completion; the exit code is not checked.</summary>
    public static Task<ToolResult> RunAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ToolRunner.RunAsync(Path, arguments, timeout: timeout ?? DefaultTimeout, cancellationToken: cancellationToken);

    /// <summary>Runs <c>sanpool ARGS</c> with extra environment variables; the exit code is not checked.</summary>
    public static Task<ToolResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null) =>
        ToolRunner.RunAsync(Path, arguments, environment, timeout ?? DefaultTimeout);

    public static Task<ToolResult> RunAsync(params string[] arguments) => RunAsync((IEnumerable<string>)arguments);

    /// <summary>Runs <c>sanpool ARGS</c> and returns its standard output, or throws with its stderr.</summary>
    public static async Task<string> OutputAsync(params string[] arguments) =>
        (await RunAsync(arguments)).EnsureSuccess().StandardOutput;

    /// <summary>Starts <c>sanpool ARGS</c> in the background (the caller stops it by pid).</summary>
    public static Process Start(IEnumerable<string> arguments, Action<string> onOutput) =>
        ToolRunner.StartBackground(Path, arguments, onOutput: onOutput);

    /// <summary>The checkout: the directory holding Sanpool.slnx above the test binaries, or the one recorded at build time.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Sanpool.slnx")))
                {
                    return dir.FullName;
                }
            }

            // Built with --artifacts-path the binaries live outside the checkout.
            string? recorded = typeof(SanpoolCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
            return recorded is not null && File.Exists(System.IO.Path.Combine(recorded, "Sanpool.slnx"))
                ? recorded
                : throw new PrerequisiteMissingException($"cannot find the checkout (Sanpool.slnx) above {AppContext.BaseDirectory}; set {EnvironmentVariable}");
        }
    }

    private static string Locate()
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? System.IO.Path.GetFullPath(configured)
                : throw new PrerequisiteMissingException($"{EnvironmentVariable}={configured} does not exist");
        }

        string wrapper = System.IO.Path.Combine(RepositoryRoot, "sanpool");
        return File.Exists(wrapper)
            ? wrapper
            : throw new PrerequisiteMissingException($"no {wrapper}; set {EnvironmentVariable} to the sanpool executable");
    }
}
