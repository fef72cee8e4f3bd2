using System.Text.Json.Nodes;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Storage.Tests.Cli;

/// <summary>
/// What a new admin meets in the first hour with the real CLI (issue 14, section 4): sizes in
/// GB, a device or directory that is not there, <c>domain info</c> reading the same variables
/// as every verb, exit 2 for every bad argument, a template whose id the CLI makes up, and one
/// labelled line from <c>image create</c>. File domains only; no loop device is touched.
/// </summary>
public sealed class FirstHourCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("cli-first-hour");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_size_in_GB_is_refused_naming_both_readings_and_help_names_the_suffixes()
    {
        var run = await RunAsync("image", "create", Guid.NewGuid().ToString(), "--size", "10GB");
        var help = await RunAsync("image", "create", "--help");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("size '10GB': GB is ambiguous (10^9 or 2^30)", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("write 10G or 10GiB", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("KiB, MiB, GiB, TiB", help.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_block_device_that_does_not_exist_is_said_to_be_missing_not_too_small()
    {
        var run = await RunAsync("domain", "create", "--block", "/dev/sanpool-no-such-device");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("sanpool: NOT_FOUND (-2): --block /dev/sanpool-no-such-device: no such device", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_directory_is_named_as_missing_by_the_verbs_and_by_domain_info()
    {
        string missing = _dir.File("not-mounted");
        string sd = Guid.NewGuid().ToString();

        var list = await RunAsync("image", "list", sd, "--path", missing);
        var info = await RunAsync("domain", "info", sd, "--path", missing);

        foreach (var run in new[] { list, info })
        {
            Assert.Equal(1, run.ExitCode);
            Assert.Contains($"DOMAIN_NOT_FOUND (-604): no domain {sd}: the directory {missing} does not exist", run.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Domain_info_reads_SANPOOL_PATH_and_a_domain_made_with_defaults_is_accepted()
    {
        string mount = _dir.File("mnt");
        Directory.CreateDirectory(mount);
        string sd = (await OkAsync("domain", "create", "--file", mount)).Trim();

        var info = await SanpoolCli.RunAsync(["domain", "info", sd], Env(new() { ["SANPOOL_PATH"] = $"{_dir.File("elsewhere")},{mount}" }));
        output.WriteLine(info.StandardOutput + info.StandardError);

        Assert.True(info.Succeeded, info.StandardError);
        var json = JsonNode.Parse(info.StandardOutput)!;
        Assert.Equal(sd, (string)json["uuid"]!);
        Assert.Equal(10, (int)json["ioTimeout"]!);
    }

    [Theory]
    [InlineData("--name", "a-name-of-sixty-characters-which-is-ten-more-than-fifty-xxxx", "--name: the name is 60 characters; at most 50")]
    [InlineData("--sector", "1000", "--sector 1000: give 512 or 4096")]
    public async Task A_bad_name_or_sector_is_bad_usage_like_every_other_bad_argument(string option, string value, string message)
    {
        string mount = _dir.File("mnt");
        Directory.CreateDirectory(mount);

        var run = await RunAsync("domain", "create", "--file", mount, option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.StandardError, StringComparison.Ordinal);
        Assert.EndsWith("See 'sanpool domain create --help'.", run.StandardError.TrimEnd('\n'), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(mount));
    }

    [Fact]
    public async Task Image_create_prints_one_labelled_line_and_template_create_makes_up_the_template_id_and_prints_it()
    {
        string mount = _dir.File("mnt");
        Directory.CreateDirectory(mount);
        string sd = (await OkAsync("domain", "create", "--file", mount, "--io-timeout", "1")).Trim();

        string created = await OkAsync("image", "create", sd, "--size", "1M", "--path", mount);
        var image = Assert.Single(System.Text.RegularExpressions.Regex.Matches(created, "^image (?<i>[0-9a-f-]{36}) volume (?<v>[0-9a-f-]{36})\n$"));
        string template = await OkAsync("template", "create", sd, "--from-image", image.Groups["i"].Value, "--path", mount);
        var made = Assert.Single(System.Text.RegularExpressions.Regex.Matches(template, "^template image (?<t>[0-9a-f-]{36}) volume (?<v>[0-9a-f-]{36})\n$"));

        Assert.Contains(made.Groups["t"].Value, await OkAsync("image", "list", sd, "--path", mount), StringComparison.Ordinal);
    }

    private Dictionary<string, string> Env(Dictionary<string, string>? more = null)
    {
        var env = new Dictionary<string, string> { ["SANPOOL_RUN_DIR"] = _dir.File("run") };
        foreach (var (k, v) in more ?? [])
        {
            env[k] = v;
        }

        return env;
    }

    private async Task<ToolResult> RunAsync(params string[] args)
    {
        var run = await SanpoolCli.RunAsync(args, Env());
        output.WriteLine($"$ sanpool {string.Join(' ', args)}  -> {run.ExitCode}\n{run.StandardOutput}{run.StandardError}");
        return run;
    }

    private async Task<string> OkAsync(params string[] args) => (await RunAsync(args)).EnsureSuccess().StandardOutput;
}
