using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;

namespace Sanpool.Agent.Vm;

/// <summary>
/// A client of qemu's QMP monitor on a unix socket. The protocol is one JSON object per line:
/// <list type="number">
/// <item>qemu greets: <c>{"QMP": {"version": {...}, "capabilities": [...]}}</c>;</item>
/// <item>the client leaves negotiation mode with <c>{"execute": "qmp_capabilities"}</c>;</item>
/// <item>commands <c>{"execute": C, "arguments": {...}, "id": N}</c> are answered by
///   <c>{"return": ..., "id": N}</c> or <c>{"error": {"class": K, "desc": D}, "id": N}</c>;</item>
/// <item>events <c>{"event": ..., "data": ..., "timestamp": ...}</c> come at any time, also between a
///   command and its answer.</item>
/// </list>
/// One reader task owns the socket's input: it completes answers by id and hands events to every
/// <see cref="Subscribe">subscription</see> and to <see cref="EventReceived"/>. Writes are
/// serialised. When the connection closes, waiting commands fail with QMP_DISCONNECTED and the
/// subscriptions complete.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    /// <summary>How long qemu may take to greet; under TCG and load it still answers within a second.</summary>
    public static readonly TimeSpan GreetingTimeout = TimeSpan.FromSeconds(10);

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _input;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, (string Command, TaskCompletionSource<JsonElement> Answer)> _pending = new();
    private readonly List<QmpSubscription> _subscriptions = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private Task _reader = Task.CompletedTask;
    private long _nextId;
    private int _closed;
    private int _disposed;

    private QmpClient(Socket socket, string name, ILogger logger)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = new StreamReader(_stream, new UTF8Encoding(false));
        Name = name;
        _logger = logger;
    }

    /// <summary>The VM this monitor belongs to, for logs and error messages.</summary>
    public string Name { get; }

    /// <summary>qemu's version from the greeting, e.g. "7.2.22".</summary>
    public string QemuVersion { get; private set; } = "";

    /// <summary>How long a command may wait for its answer before QMP_TIMEOUT.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Completes when the connection has closed (qemu exited, or this client was disposed).</summary>
    public Task Completion => _reader;

    public bool IsConnected => Volatile.Read(ref _closed) == 0;

    /// <summary>Raised on the reader task for every event; keep handlers short (or use <see cref="Subscribe"/>).</summary>
    public event Action<QmpEvent>? EventReceived;

    /// <summary>
    /// Connects to the monitor at <paramref name="socketPath"/>, reads the greeting and leaves
    /// negotiation mode. A missing or refusing socket is QMP_CONNECT_FAILED (transient).
    /// </summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, string name, ILogger? logger, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SanpoolException(VmErrors.QmpConnectFailed, $"VM {name}: cannot connect to QMP at {socketPath}: {e.Message}", isTransient: true, e);
        }

        var client = new QmpClient(socket, name, logger ?? NullLogger.Instance);
        try
        {
            await client.ReadGreetingAsync(cancellationToken).ConfigureAwait(false);
            client._reader = Task.Run(client.ReadLoopAsync, CancellationToken.None);
            await client.ExecuteAsync("qmp_capabilities", null, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Events from now on, in order, until the connection closes or the subscription is disposed.</summary>
    public QmpSubscription Subscribe()
    {
        var subscription = new QmpSubscription(Unsubscribe);
        lock (_subscriptions)
        {
            if (IsConnected)
            {
                _subscriptions.Add(subscription);
                return subscription;
            }
        }

        subscription.Complete();
        return subscription;
    }

    /// <summary>Runs a command without arguments; see the other overload.</summary>
    public Task<JsonElement> ExecuteAsync(string command, CancellationToken cancellationToken) =>
        ExecuteAsync(command, null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="command"/> and returns its <c>return</c> value (a detached copy).
    /// An error answer is QMP_COMMAND_FAILED naming the command, qemu's error class and text.
    /// </summary>
    public async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        long id = Interlocked.Increment(ref _nextId);
        var request = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null)
        {
            request["arguments"] = arguments.DeepClone();
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = (command, answer);
        try
        {
            if (!IsConnected)
            {
                throw Disconnected(command);
            }

            await WriteLineAsync(request.ToJsonString(), command, cancellationToken).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(CommandTimeout);
            try
            {
                return await answer.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SanpoolException(VmErrors.QmpTimeout,
                    string.Create(CultureInfo.InvariantCulture, $"VM {Name}: {command} got no answer within {CommandTimeout.TotalSeconds:0.#} s"),
                    isTransient: true);
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReadGreetingAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(GreetingTimeout);
        string? line;
        try
        {
            line = await _input.ReadLineAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SanpoolException(VmErrors.QmpProtocol, $"VM {Name}: the monitor did not greet within {GreetingTimeout.TotalSeconds} s", isTransient: true);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // qemu that refuses its command line creates the socket, then exits: the connection resets.
            throw new SanpoolException(VmErrors.QmpDisconnected, $"VM {Name}: the monitor closed before greeting: {e.Message}", isTransient: true, e);
        }

        if (line is null)
        {
            throw new SanpoolException(VmErrors.QmpDisconnected, $"VM {Name}: the monitor closed before greeting", isTransient: true);
        }

        JsonElement greeting = ParseObject(line)
                               ?? throw new SanpoolException(VmErrors.QmpProtocol, $"VM {Name}: the monitor's greeting is not JSON: {Printable(line)}");
        if (!greeting.TryGetProperty("QMP", out var qmp) || qmp.ValueKind != JsonValueKind.Object)
        {
            throw new SanpoolException(VmErrors.QmpProtocol, $"VM {Name}: the monitor's first line is not a QMP greeting: {Printable(line)}");
        }

        if (qmp.TryGetProperty("version", out var version) && version.TryGetProperty("qemu", out var q)
            && q.TryGetProperty("major", out var major) && q.TryGetProperty("minor", out var minor) && q.TryGetProperty("micro", out var micro))
        {
            QemuVersion = $"{major.GetInt32()}.{minor.GetInt32()}.{micro.GetInt32()}";
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _input.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    Dispatch(line);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket closed under us (qemu killed, or our own dispose): end as on end of stream.
        }
        finally
        {
            Close();
        }
    }

    private void Dispatch(string line)
    {
        if (ParseObject(line) is not { } message)
        {
            VmLog.QmpUnparsable(_logger, Name, Printable(line));
            return;
        }

        if (message.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String)
        {
            Publish(new QmpEvent(name.GetString()!, message.TryGetProperty("data", out var data) ? data : EmptyObject, Timestamp(message)));
            return;
        }

        if (!message.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out long id) || !_pending.TryGetValue(id, out var pending))
        {
            VmLog.QmpUnexpected(_logger, Name, Printable(line));
            return;
        }

        var answer = pending.Answer;
        if (message.TryGetProperty("return", out var value))
        {
            answer.TrySetResult(value);
        }
        else if (message.TryGetProperty("error", out var error))
        {
            string cls = error.TryGetProperty("class", out var c) ? c.GetString() ?? "" : "";
            string desc = error.TryGetProperty("desc", out var d) ? d.GetString() ?? "" : "";
            answer.TrySetException(new SanpoolException(VmErrors.QmpCommandFailed, $"VM {Name}: {pending.Command} failed: {cls}: {desc}"));
        }
        else
        {
            answer.TrySetException(new SanpoolException(VmErrors.QmpProtocol, $"VM {Name}: the answer to {pending.Command} has neither return nor error: {Printable(line)}"));
        }
    }

    private void Publish(QmpEvent e)
    {
        QmpSubscription[] subscribers;
        lock (_subscriptions)
        {
            subscribers = [.. _subscriptions];
        }

        foreach (var s in subscribers)
        {
            s.Publish(e);
        }

        try
        {
            EventReceived?.Invoke(e);
        }
#pragma warning disable CA1031 // a subscriber's bug must not stop the monitor's reader
        catch (Exception ex)
#pragma warning restore CA1031
        {
            VmLog.EventHandlerFailed(_logger, Name, e.Name, ex);
        }
    }

    private async Task WriteLineAsync(string json, string command, CancellationToken cancellationToken)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json + "\n");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw Disconnected(command, e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Marks the connection closed: waiting commands fail, subscriptions complete. Runs once.</summary>
    private void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        foreach (var (_, pending) in _pending)
        {
            pending.Answer.TrySetException(Disconnected(pending.Command));
        }

        QmpSubscription[] subscribers;
        lock (_subscriptions)
        {
            subscribers = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var s in subscribers)
        {
            s.Complete();
        }

        VmLog.QmpClosed(_logger, Name);
    }

    private void Unsubscribe(QmpSubscription subscription)
    {
        lock (_subscriptions)
        {
            _subscriptions.Remove(subscription);
        }
    }

    private SanpoolException Disconnected(string command, Exception? inner = null) =>
        new(VmErrors.QmpDisconnected, $"VM {Name}: the QMP connection closed before {command} was answered", isTransient: false, inner);

    private static DateTimeOffset Timestamp(JsonElement message)
    {
        if (message.TryGetProperty("timestamp", out var ts)
            && ts.TryGetProperty("seconds", out var s) && s.TryGetInt64(out long seconds)
            && ts.TryGetProperty("microseconds", out var us) && us.TryGetInt64(out long micros))
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10);
        }

        return DateTimeOffset.UnixEpoch;
    }

    /// <summary>The line as a detached JSON object, or null if it is not one.</summary>
    private static JsonElement? ParseObject(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Printable(string line) => line.Length <= 200 ? line : line[..200] + "...";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by qemu.
        }

        await _reader.ConfigureAwait(false);
        Close();
        _input.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _writeLock.Dispose();
    }
}
