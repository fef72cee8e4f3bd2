using System.Threading.Channels;
using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Tests.Thin;

/// <summary>Hands each extension request to the test, which grants, fails or throws it (the SPM's part).</summary>
internal sealed class FakeExtendRequester : IExtendRequester
{
    private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>When set, the next request throws this instead of being handed over.</summary>
    public Exception? ThrowNext { get; set; }

    public Task<long> ExtendAsync(IThinVolume volume, long newSizeBytes, Action<ExtendFailure> onFailure, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        if (ThrowNext is Exception e)
        {
            ThrowNext = null;
            return Task.FromException<long>(e);
        }

        var call = new Call((MemoryThinVolume)volume, newSizeBytes, onFailure, cancellationToken);
        _calls.Writer.TryWrite(call);
        return call.Done.Task;
    }

    public async Task<Call> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _calls.Reader.ReadAsync(timeout.Token);
    }

    public bool TryNext(out Call? call) => _calls.Reader.TryRead(out call);

    internal sealed class Call
    {
        public Call(MemoryThinVolume volume, long size, Action<ExtendFailure> onFailure, CancellationToken cancellationToken)
        {
            Volume = volume;
            Size = size;
            OnFailure = onFailure;
            Cancelled = cancellationToken;
            cancellationToken.Register(() => Done.TrySetCanceled(cancellationToken));
        }

        public MemoryThinVolume Volume { get; }

        public long Size { get; }

        public Action<ExtendFailure> OnFailure { get; }

        public CancellationToken Cancelled { get; }

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The SPM extends the LV (lvextend) and answers success.</summary>
        public void Grant()
        {
            Volume.LvSize = Math.Max(Volume.LvSize, Size);
            Done.TrySetResult(Volume.LvSize);
        }

        /// <summary>The SPM answers failure; the request stays pending.</summary>
        public void Fail(ExtendFailureKind kind) => OnFailure(new ExtendFailure(kind, $"{kind} (injected)"));
    }
}
