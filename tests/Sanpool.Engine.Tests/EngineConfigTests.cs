using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests;

public sealed class EngineConfigTests
{
    private const string File = "/etc/sanpool/engine.json";

    [Fact]
    public void Defaults_fill_in_what_the_file_leaves_out_and_relative_paths_start_at_the_file()
    {
        var config = EngineConfigLoader.Parse("""{ "data_dir": "state" }""", File);
        Assert.Equal("/etc/sanpool/state", config.DataDir);
        Assert.Equal("https://127.0.0.1:8443", config.Listen);
        Assert.Equal("sqlite", config.Database.Provider);
        Assert.Equal("/etc/sanpool/state/engine.db", config.SqlitePath);
        Assert.Equal("/etc/sanpool/state/pki", config.PkiDir);
        Assert.Equal(5, config.HostPollSeconds);
        Assert.Equal(120, config.NonOperationalAfterSeconds);
        Assert.Equal(1024 * 1024, config.MaxBodyBytes);
        Assert.Null(config.Tls);
        Assert.Null(config.AdminPassword);
        Assert.Null(config.Vms);
    }

    [Fact]
    public void The_vms_section_gives_the_kernel_and_initrd_the_hosts_boot_VMs_with()
    {
        var config = EngineConfigLoader.Parse(
            """{ "data_dir": "/d", "vms": { "kernel": "/srv/vm/vmlinuz", "initrd": "/srv/vm/initrd.gz", "append": "console=ttyS0", "memory_mib": 256 } }""", File);
        Assert.Equal(new EngineVmsConfig { Kernel = "/srv/vm/vmlinuz", Initrd = "/srv/vm/initrd.gz", Append = "console=ttyS0", MemoryMib = 256 }, config.Vms);
        var bare = EngineConfigLoader.Parse("""{ "data_dir": "/d", "vms": { "kernel": "/k", "initrd": "/i" } }""", File);
        Assert.Equal((null, null), (bare.Vms!.Append, bare.Vms.MemoryMib));
    }

    [Theory]
    [InlineData("""{ }""", "data_dir")]
    [InlineData("""{ "data_dir": null }""", "data_dir")]
    [InlineData("""{ "data_dir": "/d", "listen": null }""", "listen")]
    [InlineData("""{ "data_dir": "/d", "database": null }""", "database")]
    [InlineData("""{ "data_dir": "/d", "lisen": "https://127.0.0.1:1" }""", "lisen")]
    [InlineData("""{ "data_dir": "/d", "database": { "provider": "sqlite", "file": "x" } }""", "database.file")]
    [InlineData("""{ "data_dir": "/d", "host_poll_seconds": "often" }""", "host_poll_seconds")]
    [InlineData("""{ "data_dir": "/d", "host_poll_seconds": 0 }""", "host_poll_seconds")]
    [InlineData("""{ "data_dir": "/d", "reconcile_interval_seconds": -1 }""", "reconcile_interval_seconds")]
    [InlineData("""{ "data_dir": "/d", "non_operational_after_seconds": 3 }""", "non_operational_after_seconds")]
    [InlineData("""{ "data_dir": "/d", "max_body_bytes": 10 }""", "max_body_bytes")]
    [InlineData("""{ "data_dir": "/d", "listen": "http://127.0.0.1:8080" }""", "listen")]
    [InlineData("""{ "data_dir": "/d", "listen": "https://engine.example:8443" }""", "listen")]
    [InlineData("""{ "data_dir": "/d", "listen": "https://127.0.0.1" }""", "listen")]
    [InlineData("""{ "data_dir": "/d", "listen": "unix:relative.sock" }""", "listen")]
    [InlineData("""{ "data_dir": "/d", "database": { "provider": "mysql" } }""", "database.provider")]
    [InlineData("""{ "data_dir": "/d", "database": { "provider": "postgres" } }""", "database.connection_string")]
    [InlineData("""{ "data_dir": "/d", "database": { "provider": "postgres", "connection_string": "Hots=x" } }""", "database.connection_string")]
    [InlineData("""{ "data_dir": "/d", "database": { "connection_string": "Host=x" } }""", "database.connection_string")]
    [InlineData("""{ "data_dir": "/d", "tls": { "certificate": "/nonexistent/c.pem", "key": "/nonexistent/k.pem" } }""", "tls.certificate")]
    [InlineData("""{ "data_dir": "/d", "tls": { "key": "/nonexistent/k.pem" } }""", "tls.certificate")]
    [InlineData("""{ "data_dir": "/d", "admin_password": "short" }""", "admin_password")]
    [InlineData("""{ "data_dir": "/d", "token_lifetime_seconds": 5 }""", "token_lifetime_seconds")]
    [InlineData("""{ "data_dir": "/d", "vms": { "initrd": "/i" } }""", "vms.kernel")]
    [InlineData("""{ "data_dir": "/d", "vms": { "kernel": "vmlinuz", "initrd": "/i" } }""", "vms.kernel")]
    [InlineData("""{ "data_dir": "/d", "vms": { "kernel": "/k" } }""", "vms.initrd")]
    [InlineData("""{ "data_dir": "/d", "vms": { "kernel": "/k", "initrd": "/i", "memory_mib": 32 } }""", "vms.memory_mib")]
    [InlineData("""{ "data_dir": "/d", "vms": { "kernel": "/k", "initrd": "/i", "append": "a\nb" } }""", "vms.append")]
    [InlineData("""{ "data_dir": "/d", "vms": { "kernel": "/k", "initrd": "/i", "cpus": 2 } }""", "vms.cpus")]
    public void A_bad_config_is_refused_with_one_error_naming_the_key_and_the_file(string json, string key)
    {
        var e = Assert.Throws<SanpoolException>(() => EngineConfigLoader.Parse(json, File));
        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.StartsWith($"engine config {File}: {key}:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_JSON_is_refused_naming_the_file()
    {
        var e = Assert.Throws<SanpoolException>(() => EngineConfigLoader.Parse("{ data_dir: ", File));
        Assert.StartsWith($"engine config {File}: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443", "https", 8443)]
    [InlineData("https://[::1]:0", "https", 0)]
    [InlineData("https://0.0.0.0:443", "https", 443)]
    [InlineData("https://localhost:9443", "https", 9443)]
    [InlineData("unix:/run/sanpool/engine.sock", "unix", 0)]
    public void Listen_takes_https_addresses_and_unix_sockets(string listen, string scheme, int port)
    {
        var address = EngineListenAddress.TryParse(listen, out string? problem);
        Assert.True(address is not null, problem);
        Assert.Equal(scheme, address.Scheme);
        Assert.Equal(port, address.Port);
    }

    [Fact]
    public void Plain_http_is_taken_with_insecure_http()
    {
        var config = EngineConfigLoader.Parse("""{ "data_dir": "/d", "listen": "http://127.0.0.1:0", "insecure_http": true }""", File);
        Assert.False(config.ListenAddress.IsHttps);
    }

    [Fact]
    public void The_postgres_database_is_described_without_its_password()
    {
        var config = EngineConfigLoader.Parse(
            """{ "data_dir": "/d", "database": { "provider": "postgres", "connection_string": "Host=db1;Database=sanpool;Username=engine;Password=hunter22" } }""", File);
        string described = config.DescribeDatabase();
        Assert.Contains("db1", described, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter22", described, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_config_file_creates_nothing()
    {
        using var dir = new TempDir("engine-config");
        string config = dir.File("engine.json");
        await System.IO.File.WriteAllTextAsync(config, """{ "data_dir": "state", "max_body_bytes": -1 }""");
        var e = await Assert.ThrowsAsync<SanpoolException>(() => EngineConfigLoader.LoadAsync(config, CancellationToken.None));
        Assert.Contains("max_body_bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains(config, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("state")));
    }

    [Fact]
    public async Task The_documented_example_at_the_repository_root_loads()
    {
        string example = Path.Combine(SanpoolCli.RepositoryRoot, "engine.example.json");
        var config = await EngineConfigLoader.LoadAsync(example, CancellationToken.None);
        Assert.Equal("/var/lib/sanpool-engine", config.DataDir);
        Assert.Equal(EngineConfig.DefaultListen, config.Listen);
    }
}
