using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests.Web;

/// <summary><see cref="EngineApp.RunAsync"/> listening on a unix socket, in this process.</summary>
public sealed class UnixSocketTests
{
    [Fact]
    public async Task The_engine_serves_a_unix_socket_after_removing_a_stale_one_and_takes_the_configured_admin_password()
    {
        using var dir = new TempDir("engine-unix");
        string socket = dir.File("engine.sock");
        // Bound, never listening: what a killed engine leaves behind. (Disposing it would unlink the file.)
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(socket));
        Assert.True(Path.Exists(socket));
        var config = EngineConfigLoader.Validate(
            new EngineConfig { DataDir = dir.File("data"), Listen = "unix:" + socket, AdminPassword = "configured-admin-password" }, "test");
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        var run = EngineApp.RunAsync(config, new EngineAppOptions(), output, stop.Token);
        try
        {
            using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = ConnectAsync(socket) }) { BaseAddress = new Uri("http://engine") };
            await WaitForHealthAsync(client, run);
            using var me = new HttpRequestMessage(HttpMethod.Get, "/api/users/me");
            me.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:configured-admin-password")));
            using var answer = await client.SendAsync(me);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            using var anonymous = await client.GetAsync(new Uri("/api/users/me", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("", output.ToString());
            Assert.False(File.Exists(Path.Combine(config.DataDir, "admin-password-generated")));
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectAsync(string path) => async (_, cancellationToken) =>
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    private static async Task WaitForHealthAsync(HttpClient client, Task run)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (run.IsCompleted)
            {
                await run;
                Assert.Fail("the engine stopped before it served");
            }

            try
            {
                using var health = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }
}
