using System.Threading.Channels;

namespace Sanpool.Agent.Vm;

/// <summary>
/// The events of one <see cref="QmpClient"/> from the moment of subscribing, in order, buffered
/// without bound (qemu sends few: a pause or a threshold is one event). The reader completes
/// when the connection closes. Dispose to stop receiving.
/// </summary>
public sealed class QmpSubscription : IDisposable
{
    private readonly Channel<QmpEvent> _channel =
        Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private readonly Action<QmpSubscription> _unsubscribe;

    internal QmpSubscription(Action<QmpSubscription> unsubscribe) => _unsubscribe = unsubscribe;

    public ChannelReader<QmpEvent> Reader => _channel.Reader;

    internal void Publish(QmpEvent e) => _channel.Writer.TryWrite(e);

    internal void Complete() => _channel.Writer.TryComplete();

    public void Dispose()
    {
        _unsubscribe(this);
        Complete();
    }
}
