using Sanpool.Core;
using Sanpool.DataPath;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Agents;

/// <summary>The agent config's "data_path": how a host reaches the LVs it serves to its VMs.</summary>
public sealed class AgentConfigDataPathTests : IDisposable
{
    private readonly TempDir _dir = new("agentcfg");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(null, LvDataPathMode.Auto)]
    [InlineData("\"segments\"", LvDataPathMode.Segments)]
    [InlineData("\"Auto\"", LvDataPathMode.Auto)]
    public async Task The_mode_is_read_and_auto_is_the_default(string? value, LvDataPathMode expected)
    {
        var config = await AgentConfig.LoadAsync(Write(value), default);

        Assert.Equal(expected, config.DataPathMode);
        Assert.Contains("\"data_path\"", config.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"dm\"")]
    [InlineData("\"1\"")]
    [InlineData("\"\"")]
    public async Task An_unknown_mode_is_refused_naming_the_file_and_the_modes(string value)
    {
        string path = Write(value);
        var error = await Assert.ThrowsAsync<SanpoolException>(() => AgentConfig.LoadAsync(path, default));

        Assert.Equal(CommonErrors.InvalidArgument, error.Code);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("auto, segments or activated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activated_is_refused_at_load_on_a_host_without_device_mapper()
    {
        string path = Write("\"activated\"");
        if (DeviceMapper.IsAvailable)
        {
            Assert.Equal(LvDataPathMode.Activated, (await AgentConfig.LoadAsync(path, default)).DataPathMode);
            return;
        }

        var error = await Assert.ThrowsAsync<SanpoolException>(() => AgentConfig.LoadAsync(path, default));
        Assert.Equal(DataPathErrors.NoDeviceMapper, error.Code);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private string Write(string? dataPath)
    {
        var dir = _dir;
        string file = dir.File("agent.json");
        File.WriteAllText(file, $$"""
            {
              "host_id": 1, "pool": "{{Guid.NewGuid()}}", "master": "{{Guid.NewGuid()}}",
              "devices": ["/dev/loop9"], "run_dir": "{{dir.Path}}", "socket": "{{dir.File("a.sock")}}"
              {{(dataPath is null ? "" : $", \"data_path\": {dataPath}")}}
            }
            """);
        return file;
    }
}
