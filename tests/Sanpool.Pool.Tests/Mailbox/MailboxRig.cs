using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.BlockIO;
using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Mailbox;
using Sanpool.TestSupport;

namespace Sanpool.Pool.Tests.Mailbox;

/// <summary>
/// An inbox and an outbox (16 MiB each) with one server and any number of clients. "memory"
/// areas are for logic tests; "file" areas are real O_DIRECT files on ext4 under /tmp; "loop"
/// and "loop4096" areas are two loop devices of 512- or 4096-byte sectors (root), detached on
/// dispose even after a failure.
/// </summary>
internal sealed class MailboxRig : IAsyncDisposable
{
    private readonly TempDir? _dir;
    private readonly List<LoopDevice> _loops = [];
    private readonly List<MailboxClient> _clients = [];
    private CancellationTokenSource? _serverStop;
    private Task? _serverRun;

    private MailboxRig(TempDir? dir) => _dir = dir;

    public IBlockDevice Inbox { get; private set; } = null!;

    public IBlockDevice Outbox { get; private set; } = null!;

    public RecordingHandler Handler { get; } = new();

    public CapturingLogger ServerLog { get; } = new();

    public MailboxServer? Server { get; private set; }

    /// <summary>Short intervals so a test is fast; the resend is out of the way unless a test wants it.</summary>
    public MailboxOptions Options { get; set; } = new()
    {
        ResendInterval = TimeSpan.FromMinutes(5),
        FullScanInterval = TimeSpan.FromMilliseconds(500),
    };

    public static async Task<MailboxRig> CreateAsync(string kind)
    {
        var rig = new MailboxRig(kind == "memory" ? null : new TempDir("mailbox"));
        try
        {
            switch (kind)
            {
                case "memory":
                    rig.Inbox = new MemoryDisk(MailboxLayout.AreaSize, 512, "inbox").Open();
                    rig.Outbox = new MemoryDisk(MailboxLayout.AreaSize, 512, "outbox").Open();
                    break;
                case "file":
                    rig.Inbox = DirectBlockDevice.Open(rig._dir!.CreateSparseFile("inbox", MailboxLayout.AreaSize), sync: false);
                    rig.Outbox = DirectBlockDevice.Open(rig._dir!.CreateSparseFile("outbox", MailboxLayout.AreaSize), sync: false);
                    break;
                default:
                    Requires.LoopDevices();
                    int sectorSize = kind == "loop4096" ? 4096 : 512;
                    var inbox = await LoopDevice.CreateAsync(rig._dir!.Path, MailboxLayout.AreaSize, sectorSize);
                    rig._loops.Add(inbox);
                    var outbox = await LoopDevice.CreateAsync(rig._dir!.Path, MailboxLayout.AreaSize, sectorSize);
                    rig._loops.Add(outbox);
                    rig.Inbox = DirectBlockDevice.Open(inbox.Path, sync: false);
                    rig.Outbox = DirectBlockDevice.Open(outbox.Path, sync: false);
                    break;
            }

            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    public MailboxClient Client(int hostId)
    {
        var client = new MailboxClient(hostId, Inbox, Outbox, Options, TimeProvider.System, NullLogger.Instance);
        _clients.Add(client);
        return client;
    }

    public void StartServer(IMailHandler? handler = null)
    {
        Server = new MailboxServer(Inbox, Outbox, handler ?? Handler, Options, TimeProvider.System, ServerLog);
        _serverStop = new CancellationTokenSource();
        var server = Server;
        var stop = _serverStop.Token;
        _serverRun = Task.Run(() => server.RunAsync(stop));
    }

    /// <summary>Stops the server as a dying SPM would: its loop ends, handlers in flight are cancelled.</summary>
    public async Task StopServerAsync()
    {
        if (_serverStop is null)
        {
            return;
        }

        await _serverStop.CancelAsync();
        try
        {
            await _serverRun!;
        }
        catch (OperationCanceledException)
        {
            // How RunAsync ends.
        }

        _serverStop.Dispose();
        _serverStop = null;
    }

    public async Task<HostMailbox> ReadAsync(MailboxArea area, int hostId)
    {
        var bytes = new byte[MailboxLayout.MailboxSize];
        await (area == MailboxArea.Inbox ? Inbox : Outbox).ReadAsync(MailboxLayout.MailboxOffset(hostId), bytes);
        return HostMailbox.Read(bytes, hostId);
    }

    /// <summary>Polls <paramref name="condition"/> until true or <paramref name="timeout"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await StopServerAsync();
        if (Inbox is not null)
        {
            await Inbox.DisposeAsync();
        }

        if (Outbox is not null)
        {
            await Outbox.DisposeAsync();
        }

        foreach (var loop in _loops)
        {
            await loop.DisposeAsync();
        }

        _dir?.Dispose();
    }
}
