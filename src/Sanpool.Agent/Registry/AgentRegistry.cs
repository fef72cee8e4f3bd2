using Sanpool.Storage.Volumes;

namespace Sanpool.Agent.Registry;

/// <summary>
/// The host's list of running agents, which the one-shot CLI reads to send a structural verb
/// through the agent that serves the domain's pool instead of joining the domain's lockspace
/// itself (2 x io_timeout, 20 s at the default io_timeout 10, for every command). It is a
/// directory of the host's run directory, <c>$SANPOOL_RUN_DIR/agents</c> or
/// <c>/run/sanpool/agents</c>, one <see cref="AgentRegistration"/> per agent, named after its
/// pool and host id (several agents may run on one machine, one per pool and host id). An agent
/// writes its file once its API socket listens and removes it when it stops; a file left by a
/// killed agent is found stale when the CLI cannot reach its socket.
/// </summary>
public static class AgentRegistry
{
    public const string DirectoryName = "agents";

    /// <summary>Where this process's agents register, from its run directory (<see cref="WriterOptions.DefaultRunDirectory"/>).</summary>
    public static string Directory => Path.Combine(WriterOptions.DefaultRunDirectory, DirectoryName);

    /// <summary>Writes the agent's registration; disposing the result removes it again (if it is still this process's).</summary>
    public static IDisposable Register(AgentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var registration = new AgentRegistration
        {
            Socket = Path.GetFullPath(config.Socket),
            Pool = config.Pool,
            Master = config.Master,
            HostId = config.HostId,
            Pid = Environment.ProcessId,
        };
        string dir = Directory;
        System.IO.Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, $"{config.Pool}.host{config.HostId}.json");

        // Written aside and renamed, so a reader never sees half a file.
        string temp = $"{file}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, registration.ToJson());
        File.Move(temp, file, overwrite: true);
        return new Entry(file, registration.Pid);
    }

    /// <summary>Every registration in the directory, in name order; unreadable files are left out.</summary>
    public static IReadOnlyList<AgentRegistration> List()
    {
        string dir = Directory;
        if (!System.IO.Directory.Exists(dir))
        {
            return [];
        }

        var found = new List<AgentRegistration>();
        foreach (string file in System.IO.Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                if (AgentRegistration.TryParse(File.ReadAllText(file)) is { } r)
                {
                    found.Add(r);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Removed while listed, or not ours to read: not an agent this CLI can use.
            }
        }

        return found;
    }

    private sealed class Entry(string file, int pid) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                // Another agent of the same pool and host id may have replaced it since (a restart); leave that one.
                if (AgentRegistration.TryParse(File.ReadAllText(file)) is { } r && r.Pid == pid)
                {
                    File.Delete(file);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Already gone.
            }
        }
    }
}
