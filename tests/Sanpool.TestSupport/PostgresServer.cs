using System.Globalization;
using Npgsql;
using Sanpool.Core;

namespace Sanpool.TestSupport;

/// <summary>
/// A throwaway PostgreSQL server for tests: Debian's binaries
/// (<c>/usr/lib/postgresql/&lt;version&gt;/bin</c>) run on a cluster made by <c>initdb</c> in
/// a temporary directory, listening only on a unix socket in that directory
/// (<c>listen_addresses = ''</c>), trust authentication, fsync off. Run as root, the server
/// runs as the <c>postgres</c> user (<c>runuser -u postgres</c>, the directory handed to it),
/// since PostgreSQL refuses to run as root; otherwise as the current user. The system's own
/// cluster, if any, is neither used nor touched.
/// <para>
/// One server serves many tests (an xunit collection fixture owns it: stopping it at process
/// exit races with the test host being killed); each test takes a fresh database of its own
/// (<see cref="CreateDatabaseAsync"/>). Dispose stops the server
/// (<c>pg_ctl stop -m immediate</c>, then SIGKILL by its pid) and removes the directory, even
/// if the stop failed. Servers whose test process died without stopping them are stopped and
/// removed by the next start. A missing PostgreSQL fails the test
/// (<see cref="PrerequisiteMissingException"/>): ./test.sh installs it.
/// </para>
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private const string DirectoryPrefix = "pg";
    private const int SIGQUIT = 3;
    private const string PostgresRoot = "/usr/lib/postgresql";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(90);

    private readonly TempDir _dir;
    private readonly string _binDirectory;
    private int _stopped;

    private PostgresServer(TempDir dir, string binDirectory)
    {
        _dir = dir;
        _binDirectory = binDirectory;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = dir.Path,
            Username = ServiceUser,
            Database = "postgres",
            Pooling = true,
            Timeout = 30,
        }.ConnectionString;
    }

    /// <summary>The directory holding the cluster (data/), the socket and the server's log.</summary>
    public string Directory => _dir.Path;

    public string DataDirectory => System.IO.Path.Combine(_dir.Path, "data");

    public string LogFile => System.IO.Path.Combine(_dir.Path, "server.log");

    /// <summary>The postmaster's pid.</summary>
    public int Pid { get; private set; }

    /// <summary>To the server's <c>postgres</c> database, over the socket in <see cref="Directory"/>.</summary>
    public string ConnectionString { get; }

    /// <summary>Starts a server, which the caller disposes.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        string bin = FindBinDirectory();
        ReapStale();
        var dir = new TempDir(DirectoryPrefix);
        var server = new PostgresServer(dir, bin);
        try
        {
            await server.InitAndStartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            string log = File.Exists(server.LogFile) ? await File.ReadAllTextAsync(server.LogFile, CancellationToken.None).ConfigureAwait(false) : "(no log)";
            await server.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"the test PostgreSQL server did not start: {e.Message}\nserver log:\n{log}", e);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates an empty database with a fresh name and returns the connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        // The name is made here from a Guid (letters and digits only), never from input.
        string name = "t_" + Guid.NewGuid().ToString("N");
        var connection = new NpgsqlConnection(ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Drops a database <see cref="CreateDatabaseAsync"/> made (closing its connections), so a
    /// run of many tests does not fill the disk with copies of template1.
    /// </summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        string name = new NpgsqlConnectionStringBuilder(connectionString).Database ?? string.Empty;
        if (!name.StartsWith("t_", StringComparison.Ordinal) || name.Length != 34 || !name[2..].All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{name}' is not a database this server made for a test", nameof(connectionString));
        }

        var connection = new NpgsqlConnection(ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            NpgsqlConnection.ClearAllPools();
            if (File.Exists(System.IO.Path.Combine(DataDirectory, "postmaster.pid")))
            {
                // -m immediate: no checkpoint, the cluster is thrown away anyway.
                await RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "15", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Killed below.
        }
        finally
        {
            KillAndRemove();
        }
    }

    /// <summary>
    /// What is left after pg_ctl: SIGQUIT (an immediate shutdown, what pg_ctl would have sent)
    /// and SIGKILL if the postmaster is still there after a moment; then the directory goes.
    /// </summary>
    private void KillAndRemove()
    {
        if (Pid > 0 && IsAlive(Pid))
        {
            _ = Signals.Kill(Pid, SIGQUIT);
            for (int i = 0; i < 100 && IsAlive(Pid); i++)
            {
                Thread.Sleep(10);
            }

            if (IsAlive(Pid))
            {
                _ = Signals.Kill(Pid, Signals.SIGKILL);
            }
        }

        _dir.Dispose();
    }

    /// <summary>
    /// Stops and removes the servers of test processes that are gone (killed before they could
    /// stop theirs): their directory is named after their pid (<see cref="TempDir"/>), and a
    /// postmaster left running would otherwise stay for good.
    /// </summary>
    private static void ReapStale()
    {
        if (!System.IO.Directory.Exists(TempDir.Root))
        {
            return;
        }

        foreach (string dir in System.IO.Directory.GetDirectories(TempDir.Root, DirectoryPrefix + "-*"))
        {
            string[] parts = System.IO.Path.GetFileName(dir).Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int owner) || IsAlive(owner))
            {
                continue;
            }

            try
            {
                string pidFile = System.IO.Path.Combine(dir, "data", "postmaster.pid");
                if (File.Exists(pidFile)
                    && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out int postmaster)
                    && IsAlive(postmaster)
                    && File.ReadAllText($"/proc/{postmaster}/cmdline").Contains(dir, StringComparison.Ordinal))
                {
                    _ = Signals.Kill(postmaster, Signals.SIGKILL);
                }

                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's, or going away: not this test's business.
            }
        }
    }

    /// <summary>Running, and not a zombie (a postmaster whose parent pg_ctl exited is reaped by whoever adopted it, maybe late).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int end = stat.LastIndexOf(')');
            return end > 0 && end + 2 < stat.Length && stat[end + 2] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The newest <c>/usr/lib/postgresql/&lt;version&gt;/bin</c> that has initdb, pg_ctl and postgres.</summary>
    private static string FindBinDirectory()
    {
        var candidates = System.IO.Directory.Exists(PostgresRoot)
            ? System.IO.Directory.GetDirectories(PostgresRoot)
                .Select(d => (Version: int.TryParse(System.IO.Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1, Bin: System.IO.Path.Combine(d, "bin")))
                .Where(c => c.Version > 0 && new[] { "initdb", "pg_ctl", "postgres" }.All(t => File.Exists(System.IO.Path.Combine(c.Bin, t))))
                .OrderByDescending(c => c.Version)
                .ToList()
            : [];
        return candidates.Count > 0
            ? candidates[0].Bin
            : throw new PrerequisiteMissingException(
                $"the PostgreSQL server is not installed (no {PostgresRoot}/<version>/bin/initdb): install Debian's postgresql package; ./test.sh does");
    }

    private async Task InitAndStartAsync(CancellationToken cancellationToken)
    {
        if (Requires.IsRoot)
        {
            (await ToolRunner.RunAsync("chown", [$"{ServiceUser}:{ServiceUser}", Directory], cancellationToken: cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        }

        await RunAsync(
            Tool("initdb"),
            ["-D", DataDirectory, "-U", ServiceUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            cancellationToken).ConfigureAwait(false);

        // Set in the cluster's own configuration rather than on pg_ctl's -o, which pg_ctl hands
        // to a shell: nothing here is parsed twice.
        await File.AppendAllTextAsync(
            System.IO.Path.Combine(DataDirectory, "postgresql.conf"),
            $"""

            # sanpool tests: a unix socket in the test directory only, and no durability.
            listen_addresses = ''
            unix_socket_directories = '{Directory}'
            max_connections = 200
            fsync = off
            synchronous_commit = off
            full_page_writes = off

            """,
            cancellationToken).ConfigureAwait(false);

        await RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "start"], cancellationToken).ConfigureAwait(false);
        string pidLine = (await File.ReadAllLinesAsync(System.IO.Path.Combine(DataDirectory, "postmaster.pid"), cancellationToken).ConfigureAwait(false))[0];
        Pid = int.Parse(pidLine, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private string Tool(string name) => System.IO.Path.Combine(_binDirectory, name);

    /// <summary>
    /// Runs a PostgreSQL tool in <see cref="Directory"/> (env -C: the postgres user may not be
    /// allowed into this process's working directory), as the postgres user when root.
    /// </summary>
    private async Task RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var argv = new List<string> { "-C", Directory, tool };
        argv.AddRange(arguments);
        var result = Requires.IsRoot
            ? await ToolRunner.RunAsync("runuser", ["-u", ServiceUser, "--", "env", .. argv], timeout: ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await ToolRunner.RunAsync("env", argv, timeout: ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        result.EnsureSuccess();
    }
}
