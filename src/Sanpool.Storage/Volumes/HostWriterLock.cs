using Sanpool.Core;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// One writer per domain on this host: an exclusive lock on <c>&lt;run&gt;/locks/&lt;sd&gt;.lock</c>
/// (.NET takes flock(LOCK_EX|LOCK_NB) for FileShare.None on Linux). The kernel drops it when
/// the process dies, kill -9 included. It keeps two commands of one host from sharing the
/// host's lockspace identity; between hosts, the SPM lease decides.
/// </summary>
public sealed class HostWriterLock : IDisposable
{
    private readonly FileStream _stream;

    private HostWriterLock(FileStream stream) => _stream = stream;

    public static async Task<HostWriterLock> AcquireAsync(string runDirectory, Guid domain, TimeSpan wait, CancellationToken cancellationToken)
    {
        string dir = Path.Combine(runDirectory, "locks");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, domain + ".lock");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new HostWriterLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                throw new SanpoolException(StorageErrors.DomainBusy,
                    $"domain {domain}: another writer on this host holds {path}" + (wait > TimeSpan.Zero ? $" (waited {wait.TotalSeconds:0} s)" : ""));
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
