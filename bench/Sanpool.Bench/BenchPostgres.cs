using System.Globalization;
using Npgsql;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Bench;

/// <summary>
/// A throwaway PostgreSQL server for the engine suite: Debian's newest
/// <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>, a cluster made by initdb in a directory of the
/// bench's own, listening on a unix socket there only, trust authentication, fsync off (as the
/// engine tests' server; the figures are the engine's queries, not the disk's). Run as the
/// postgres user (PostgreSQL refuses root). Dispose stops it by its postmaster's pid (SIGQUIT,
/// then SIGKILL) and removes the directory; no other server is looked at.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private const int SIGQUIT = 3;
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);

    private readonly string _dir;

    private BenchPostgres(string dir, string version, int pid)
    {
        _dir = dir;
        Version = version;
        Pid = pid;
        ConnectionString = new NpgsqlConnectionStringBuilder { Host = dir, Username = ServiceUser, Database = "postgres", Pooling = true, Timeout = 30 }.ConnectionString;
    }

    public string Version { get; }

    public int Pid { get; }

    public string ConnectionString { get; }

    public static async Task<BenchPostgres> StartAsync(string dir, CancellationToken stop)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")) && File.Exists(Path.Combine(d, "bin", "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1)
                .FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("the PostgreSQL server is not installed (no /usr/lib/postgresql/<version>/bin/initdb): apt-get install postgresql");
        }

        Directory.CreateDirectory(dir);
        await ExternalTool.RunAsync(["chown", $"{ServiceUser}:{ServiceUser}", dir], ToolTimeout, stop);
        string data = Path.Combine(dir, "data");
        await AsPostgresAsync(dir, [Path.Combine(bin, "bin", "initdb"), "-D", data, "-U", ServiceUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], stop);
        await File.AppendAllTextAsync(
            Path.Combine(data, "postgresql.conf"),
            $"\n# sanpool bench: a unix socket in the bench's directory only, no durability.\nlisten_addresses = ''\nunix_socket_directories = '{dir}'\n" +
            "max_connections = 200\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
            stop);
        string pidFile = Path.Combine(data, "postmaster.pid");
        try
        {
            await AsPostgresAsync(dir, [Path.Combine(bin, "bin", "pg_ctl"), "-D", data, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "90", "start"], stop);
        }
        catch
        {
            // A start that timed out may still have left a postmaster: its pid file says which.
            int left = File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : 0;
            await new BenchPostgres(dir, Path.GetFileName(bin), left).DisposeAsync();
            throw;
        }

        int pid = int.Parse((await File.ReadAllLinesAsync(pidFile, stop))[0], NumberStyles.None, CultureInfo.InvariantCulture);
        return new BenchPostgres(dir, Path.GetFileName(bin), pid);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Pid > 0 && Alive(Pid))
        {
            _ = Signals.Kill(Pid, SIGQUIT);
            for (int i = 0; i < 300 && Alive(Pid); i++)
            {
                await Task.Delay(10);
            }

            if (Pid > 0 && Alive(Pid))
            {
                _ = Signals.Kill(Pid, Signals.SIGKILL);
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Running and not a zombie.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int end = stat.LastIndexOf(')');
            return end > 0 && end + 2 < stat.Length && stat[end + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Runs a PostgreSQL tool as the postgres user, in <paramref name="dir"/> (it may not enter the bench's working directory).</summary>
    private static Task<ToolResult> AsPostgresAsync(string dir, IReadOnlyList<string> argv, CancellationToken stop) =>
        ExternalTool.RunAsync(["runuser", "-u", ServiceUser, "--", "env", "-C", dir, .. argv], ToolTimeout, stop);
}
