namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// A guest with <c>werror=enospc</c> played by the real <c>qemu-io</c>: writes a pattern from
/// offset 0 in pieces through a host's NBD export, each piece tried again while it is refused
/// for space. Unlike <see cref="ThinProbe.WriteAsync"/> it waits <paramref name="retryDelay"/>
/// between tries, so a writer that waits through an SPM failover (about a minute) does not spawn
/// hundreds of qemu-io processes on a machine the takeover needs, and it says how far it got.
/// </summary>
internal sealed class PatientWriter(string drive, byte pattern, TimeSpan retryDelay)
{
    private long _written;

    /// <summary>MiB written and acknowledged so far.</summary>
    public long WrittenMiB => Interlocked.Read(ref _written);

    /// <summary>Pieces that were refused for space at least once.</summary>
    public int Refused { get; private set; }

    /// <summary>Writes <paramref name="mib"/> MiB in <paramref name="stepMiB"/> pieces; fails if one is still refused after <paramref name="patience"/>.</summary>
    public async Task WriteAsync(long mib, long stepMiB, TimeSpan patience)
    {
        for (long at = 0; at < mib; at += stepMiB)
        {
            long length = Math.Min(stepMiB, mib - at);
            var deadline = DateTime.UtcNow + patience;
            bool refused = false;
            while (true)
            {
                var run = await ThinProbe.QemuIoAsync(drive, $"write -P {pattern} {at}M {length}M");
                string text = run.StandardOutput + run.StandardError;
                if (run.Succeeded && !text.Contains("error", StringComparison.OrdinalIgnoreCase) && !text.Contains("failed", StringComparison.OrdinalIgnoreCase))
                {
                    break;
                }

                // Anything but "no space" (EIO, a dropped connection) is a failure of the data path.
                Assert.Contains("No space left on device", text);
                refused = true;
                Assert.True(DateTime.UtcNow < deadline, $"the write at {at} MiB was still refused for space after {patience.TotalSeconds:0} s: {text}");
                await Task.Delay(retryDelay);
            }

            Refused += refused ? 1 : 0;
            Interlocked.Add(ref _written, length);
        }
    }
}
