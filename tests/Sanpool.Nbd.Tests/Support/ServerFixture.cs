using Sanpool.Nbd;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Nbd.Tests.Support;

/// <summary>A server on a fresh unix socket in a temporary directory, stopped and cleaned up on dispose.</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    private readonly TempDir _dir;

    private ServerFixture(TempDir dir, NbdServer server, TestLog log)
    {
        _dir = dir;
        Server = server;
        Log = log;
    }

    public NbdServer Server { get; }

    public TestLog Log { get; }

    public string Socket => Server.SocketPath;

    public TempDir Dir => _dir;

    /// <summary>nbd+unix URI of <paramref name="export"/>, as qemu takes it.</summary>
    public string Uri(string export) => new NbdExportAddress(Socket, export).Uri;

    public static ServerFixture Start(ITestOutputHelper? output, NbdServerOptions? options = null, params INbdExport[] exports)
    {
        var dir = new TempDir("nbd");
        var log = new TestLog(output);
        var server = NbdServer.Start(dir.File("nbd.sock"), log, options);
        foreach (var export in exports)
        {
            server.AddExport(export);
        }

        return new ServerFixture(dir, server, log);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _dir.Dispose();
    }
}
