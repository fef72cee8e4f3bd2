using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Pool.Mailbox;
using Sanpool.Core;
using Sanpool.Pool.Thin;
using Sanpool.Storage.Mailbox;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Tests.Mailbox;

/// <summary>
/// A host whose id the SPM's mailbox does not read (above VDSM's 250; the lockspace allows
/// 2000) is told at once, instead of writing a request nobody will ever answer.
/// </summary>
public sealed class MailboxRequesterTests
{
    [Theory]
    [InlineData(251)]
    [InlineData(2000)]
    public async Task A_host_id_the_SPM_does_not_read_fails_at_once_naming_the_range(int hostId)
    {
        await using var requester = new MailboxRequester(hostId, NullLogger.Instance);
        var volume = new StubVolume();

        var error = await Assert.ThrowsAsync<SanpoolException>(() =>
            requester.ExtendAsync(volume, 256L << 20, _ => { }, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token));

        Assert.Equal(MailboxErrors.HostIdOutOfRange, error.Code);
        Assert.Contains($"host {hostId}", error.Message, StringComparison.Ordinal);
        Assert.Contains(volume.Volume.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("1..250", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_id_the_SPM_reads_waits_for_a_connection_instead()
    {
        Assert.True(MailboxRequester.Served(250));
        Assert.False(MailboxRequester.Served(0));
        await using var requester = new MailboxRequester(250, NullLogger.Instance);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            requester.ExtendAsync(new StubVolume(), 256L << 20, _ => { }, new CancellationTokenSource(TimeSpan.FromMilliseconds(200)).Token));
    }

    private sealed class StubVolume : IThinVolume
    {
        public event Action<IThinVolume, long>? ThresholdCrossed { add { } remove { } }

        public event Action<IThinVolume, long>? OutOfSpace { add { } remove { } }

        public Guid Domain { get; } = Guid.NewGuid();

        public Guid Image { get; } = Guid.NewGuid();

        public Guid Volume { get; } = Guid.NewGuid();

        public long CurrentSize => 128L << 20;

        public long MaximumSize => 1L << 30;

        public long HighestWrite => 0;

        public void SetWriteThreshold(long offset)
        {
        }

        public Task<long> RefreshAsync(CancellationToken cancellationToken) => Task.FromResult(CurrentSize);
    }
}
