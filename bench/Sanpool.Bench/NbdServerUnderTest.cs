using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Nbd;

namespace Sanpool.Bench;

/// <summary>One of the two servers compared, serving the bench file as export "disk" on a unix socket, until disposed.</summary>
internal sealed class NbdServerUnderTest : IAsyncDisposable
{
    public const string Export = "disk";

    private readonly Func<ValueTask> _stop;

    private NbdServerUnderTest(string name, string socket, Func<ValueTask> stop)
    {
        Name = name;
        Socket = socket;
        _stop = stop;
    }

    public string Name { get; }

    public string Socket { get; }

    public string Uri => new NbdExportAddress(Socket, Export).Uri;

    /// <summary>Sanpool's server in this process, a <see cref="FileExport"/> over the file.</summary>
    public static NbdServerUnderTest StartSanpool(NbdBacking backing, string file, string socket)
    {
        var server = NbdServer.Start(socket, NullLogger.Instance);
        var export = FileExport.Open(Export, file, direct: backing.Direct);
        if (export.IsDirect != backing.Direct)
        {
            throw new InvalidOperationException($"{file}: O_DIRECT is {(export.IsDirect ? "on" : "off")}, the backing wants it {(backing.Direct ? "on" : "off")}");
        }

        server.AddExport(export);
        return new NbdServerUnderTest("Sanpool", socket, async () =>
        {
            await server.DisposeAsync();
            export.Dispose();
        });
    }

    /// <summary>qemu-nbd as its own process: <c>qemu-nbd -k SOCKET -f raw -t -x disk --cache=.. --aio=.. FILE</c>.</summary>
    public static async Task<NbdServerUnderTest> StartQemuNbdAsync(NbdBacking backing, string file, string socket)
    {
        var process = ExternalProcess.Start("qemu-nbd", ["-k", socket, "-f", "raw", "-t", "-x", Export, .. backing.QemuNbdModes, file]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!File.Exists(socket))
        {
            if (process.Process.HasExited)
            {
                throw new InvalidOperationException($"qemu-nbd exited with {process.Process.ExitCode}: {process.Output}");
            }

            await Task.Delay(20, deadline.Token);
        }

        return new NbdServerUnderTest("qemu-nbd", socket, async () =>
        {
            await process.DisposeAsync();
            File.Delete(socket);
        });
    }

    public ValueTask DisposeAsync() => _stop();
}
