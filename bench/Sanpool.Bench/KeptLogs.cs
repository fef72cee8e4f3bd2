using Sanpool.Harness.LocalPools;

namespace Sanpool.Bench;

/// <summary>Copies every agent's log of a local pool to a directory that outlives the bench's work directory, when disposed.</summary>
internal sealed class KeptLogs(LocalPool pool, string directory) : IDisposable
{
    public void Dispose()
    {
        Directory.CreateDirectory(directory);
        foreach (int host in pool.HostIds)
        {
            if (File.Exists(pool.LogOf(host)))
            {
                File.Copy(pool.LogOf(host), Path.Combine(directory, $"host{host}.log"), overwrite: true);
            }
        }

        Console.Error.WriteLine($"agent logs of pool {pool.Pool} (io_timeout {pool.Options.IoTimeout}) kept in {directory}");
    }
}
