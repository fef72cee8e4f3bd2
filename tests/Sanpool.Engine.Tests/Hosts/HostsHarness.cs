using Microsoft.Extensions.Logging;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Engine.Security;
using Sanpool.Engine.Tests.Data;
using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>
/// The engine on the test server with a SQLite database in a temporary directory and fake agents
/// (<see cref="FakeAgents"/>); the host monitor does not run by itself: a test runs its rounds
/// (<see cref="PollAsync"/>) on a clock it moves (<see cref="Clock"/>). With realTime, the
/// engine runs as it does in production instead: the system clock, its monitor polling every
/// second by itself; and with a directory given, on the database a previous harness left there
/// (an engine restarted).
/// </summary>
internal sealed class HostsHarness : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-1";
    private static readonly Lazy<string> AdminHash = new(() => PasswordHasher.Hash(AdminPassword));

    private readonly TempDir _dir;
    private readonly bool _ownsDir;

    private HostsHarness(TempDir dir, bool ownsDir, EngineDatabase db, FixedClock clock, FakeAgents agents, WebApplication app)
    {
        _dir = dir;
        _ownsDir = ownsDir;
        Db = db;
        Clock = clock;
        Agents = agents;
        App = app;
        Admin = app.GetTestClient();
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{AdminPassword}")));
    }

    public EngineDatabase Db { get; }

    public FixedClock Clock { get; }

    public FakeAgents Agents { get; }

    public WebApplication App { get; }

    public HttpClient Admin { get; }

    public HostMonitor Monitor => App.Services.GetRequiredService<HostMonitor>();

    /// <param name="realAgents">Call real agents (<see cref="AgentCaller"/>) instead of the fakes.</param>
    /// <param name="realTime">The system clock and the monitor polling by itself every second.</param>
    /// <param name="vms">The config's <c>vms</c> (what started VMs boot); null: VMs are not started.</param>
    /// <param name="dir">The engine's directory (not removed with this harness): an engine started again on it.</param>
    public static async Task<HostsHarness> StartAsync(int nonOperationalAfterSeconds = 60, bool realAgents = false, bool realTime = false, TempDir? dir = null, ILoggerFactory? logs = null, EngineVmsConfig? vms = null)
    {
        bool ownsDir = dir is null;
        dir ??= new TempDir("engine-hosts");
        var clock = new FixedClock(Sample.T0);
        TimeProvider time = realTime ? TimeProvider.System : clock;
        var db = EngineDatabase.OpenSqlite(dir.File("engine.db"), new EngineDatabaseOptions { Clock = time });
        await db.MigrateAsync(CancellationToken.None);
        var users = new InMemoryUserDirectory();
        await users.AddUserAsync(new EngineUser(Guid.NewGuid(), "admin", AdminHash.Value, EngineRole.Admin, Sample.T0), CancellationToken.None);
        var agents = new FakeAgents(new FakePool());
        var config = EngineConfigLoader.Validate(
            new EngineConfig { DataDir = dir.Path, HostPollSeconds = realTime ? 1 : 5, NonOperationalAfterSeconds = nonOperationalAfterSeconds, Vms = vms }, "test");
        var app = EngineApp.Build(config, new EngineAppOptions
        {
            Users = users,
            Database = db,
            LoggerFactory = logs ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
            TimeProvider = time,
            RunHostMonitor = realTime,
            ConfigureServices = services => services.AddSingleton<IAgentCaller>(realAgents ? new AgentCaller() : agents),
            ConfigureWebHost = web => web.UseTestServer(),
        });
        await app.StartAsync();
        return new HostsHarness(dir, ownsDir, db, clock, agents, app);
    }

    public Task PollAsync() => Monitor.PollOnceAsync(CancellationToken.None);

    /// <summary>How many rows each table of hosts, pools and disks holds, and events: what "nothing written" compares.</summary>
    public Task<string> CountsAsync() =>
        Db.ReadAsync(
            async s =>
            {
                var counts = new List<string>();
                foreach (string table in new[] { "storage_pool", "storage_domain_static", "storage_pool_iso_map", "vds_static", "vds_dynamic", "vds_spm_id_map", "base_disks", "images", "image_storage_domain_map", "audit_log" })
                {
                    counts.Add($"{table}={await s.ScalarAsync<long>("SELECT COUNT(*) FROM " + table, null, CancellationToken.None)}");
                }

                return string.Join(' ', counts);
            },
            CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Db.DisposeAsync();
        if (_ownsDir)
        {
            _dir.Dispose();
        }
    }
}
