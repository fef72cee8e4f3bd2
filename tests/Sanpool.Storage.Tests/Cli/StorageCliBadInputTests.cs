using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Cli;

/// <summary>
/// The storage verbs on bad input, through the real CLI process: sizes that are no image
/// size, ids that are no UUID, UUIDs of nothing, a domain another writer holds, a domain whose
/// metadata seal is broken. Each must exit with its code (2 for arguments the CLI can refuse
/// by itself, 1 for what only the storage can judge), print one line naming the bad thing
/// ("sanpool: NAME (code): message") and nothing on stdout, and change nothing: the domain's
/// picture (<see cref="CliDomain.PictureAsync"/>) is the same afterwards. Cases are written
/// as argument lines whose words SD, IMG, BASE, MID, LEAF (the fixture's domain, image and
/// chain), NONE (a UUID of nothing) and NEW (a fresh UUID) are replaced; WORD~braced,
/// WORD~nodash and WORD~short are that UUID as {...}, without dashes, and one digit short.
/// Cases that do not depend on the kind of domain run on the file domain only
/// (<see cref="FileDomainCliBadInputTests"/>).
/// </summary>
public abstract partial class StorageCliBadInputTests
{
    protected const string Nothing = "5eed0000-0bad-4bad-8bad-00000000dead";

    private readonly Guid _new = Guid.NewGuid();

    protected StorageCliBadInputTests(CliDomain domain) => D = domain;

    protected CliDomain D { get; }

    /// <summary>
    /// Well-formed UUIDs of nothing: a domain where each way of finding one differs (the verbs'
    /// shared lookup, copy's target, domain info's own), a template looked up before the writer
    /// opens, and four judged by the writer once it holds the domain.
    /// </summary>
    public static TheoryData<string, string, string> Absent => new()
    {
        { "image create NONE --size 1G", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "image copy SD IMG --to NONE", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "domain info NONE", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "image create SD --template NONE", "IMAGE_NOT_FOUND", "no image NONE" },
        { "snapshot create SD NONE", "IMAGE_NOT_FOUND", "no image NONE" },
        { "template create SD NEW --from-image NONE", "IMAGE_NOT_FOUND", "no image NONE" },
        { "volume delete SD IMG NONE", "VOLUME_NOT_FOUND", "no volume NONE in image IMG" },
        { "image merge SD IMG --base MID --top NONE", "VOLUME_NOT_FOUND", "no volume NONE in image IMG" },
    };

    /// <summary>Every verb that writes the domain.</summary>
    private static readonly string[] WriterVerbs =
    [
        "image create SD --size 1G",
        "image create SD --template IMG",
        "snapshot create SD IMG",
        "volume delete SD IMG LEAF",
        "image merge SD IMG --base MID --top LEAF",
        "image copy SD IMG --to SD --new-image NEW",
        "template create SD NEW --from-image IMG",
        "domain recover SD",
    ];

    public static TheoryData<string> Writers => [.. WriterVerbs];

    [Theory]
    [MemberData(nameof(Absent))]
    public Task A_UUID_of_nothing_is_not_found_and_named(string arguments, string code, string named) =>
        AssertRefusedAsync(arguments, code, named);

    [Theory]
    [MemberData(nameof(Writers))]
    public async Task A_writer_with_no_wait_gets_DOMAIN_BUSY_while_another_process_holds_the_hosts_writer_lock(string arguments)
    {
        using (await HostWriterLock.AcquireAsync(D.Domain.RunDirectory, D.Uuid, TimeSpan.Zero, CancellationToken.None))
        {
            var result = await D.RunAsync([.. Args(arguments), "--no-wait"]);
            AssertRefused(result, 1, "DOMAIN_BUSY", $"domain {D.Uuid}: another writer on this host holds");
        }

        Assert.Equal(D.Baseline, await D.PictureAsync());
    }

    [Fact]
    public async Task A_writer_gets_DOMAIN_BUSY_while_another_host_holds_the_SPM_lease()
    {
        await using (var store = await D.Domain.OpenAsync())
        await using (await DomainWriter.OpenAsync(store, D.Domain.QemuImg,
                         new WriterOptions { HostId = 2, HostName = "other-host", RunDirectory = D.Domain.Scratch("other-host-run") },
                         NullLogger.Instance, CancellationToken.None))
        {
            var result = await D.RunAsync("snapshot", "create", D.Uuid.ToString(), D.Image.ToString(), "--no-wait");
            AssertRefused(result, 1, "DOMAIN_BUSY", $"domain {D.Uuid}: the SPM lease is held by another host");
        }

        Assert.Equal(D.Baseline, await D.PictureAsync());
    }

    [Fact]
    public async Task A_broken_seal_is_refused_by_every_verb_and_nothing_is_written()
    {
        string[][] verbs =
        [
            .. WriterVerbs.Select(v => Args(v).Append("--no-wait").ToArray()),
            .. new[] { "domain info SD", "dump-volume-chains SD", "image list SD", "domain check SD" }.Select(v => Args(v)),
        ];
        var before = await D.StorageAsync(everything: true);
        await D.BreakSealAsync();
        try
        {
            var broken = await D.StorageAsync(everything: true);
            foreach (var verb in verbs)
            {
                var result = await D.RunAsync(verb);
                AssertRefused(result, 1, "METADATA_SEAL_BROKEN", "domain metadata checksum", "does not match its content");
            }

            // Not a byte of the domain changed, not even its lease areas: no verb got as far as its writer.
            Assert.Equal(broken, await D.StorageAsync(everything: true));
        }
        finally
        {
            await D.RestoreSealAsync();
        }

        Assert.Equal(before, await D.StorageAsync(everything: true));
        Assert.Equal(D.Baseline, await D.PictureAsync());
    }

    /// <summary>Runs <paramref name="arguments"/>; asserts exit 1, <paramref name="code"/>, <paramref name="named"/> in the message, and no change.</summary>
    protected async Task AssertRefusedAsync(string arguments, string code, string named)
    {
        var result = await D.RunAsync(Args(arguments));

        AssertRefused(result, 1, code, Expand(named));
        Assert.Equal(D.Baseline, await D.PictureAsync());
    }

    protected static void AssertRefused(ToolResult result, int exitCode, string code, params string[] named)
    {
        ArgumentNullException.ThrowIfNull(result);
        string context = $"`{result.CommandLine}` exited with {result.ExitCode}\nstdout: {result.StandardOutput}\nstderr: {result.StandardError}";
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {context}");
        string[] lines = result.StandardError.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"expected exactly one line on stderr: {context}");
        var match = ErrorLine().Match(lines[0]);
        Assert.True(match.Success, $"stderr is not 'sanpool: NAME (code): message': {context}");
        Assert.True(match.Groups["name"].Value == code, $"expected {code}: {context}");
        foreach (var what in named)
        {
            Assert.True(lines[0].Contains(what, StringComparison.Ordinal), $"expected the message to say '{what}': {context}");
        }

        Assert.True(result.StandardOutput.Length == 0, $"expected nothing on stdout: {context}");
    }

    /// <summary>Exit 2, INVALID_ARGUMENT naming <paramref name="named"/>, and a pointer to the verb's help.</summary>
    protected static void AssertUsage(ToolResult result, string verb, string named)
    {
        AssertRefused(result, 2, "INVALID_ARGUMENT", named);
        Assert.EndsWith($"See 'sanpool {verb} --help'.", result.StandardError.TrimEnd('\n'), StringComparison.Ordinal);
    }

    /// <summary><paramref name="line"/> with the fixture's ids put in for SD, IMG, ... (see the class summary).</summary>
    protected string Expand(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return Placeholder().Replace(line, m =>
        {
            string id = m.Groups["id"].Value switch
            {
                "SD" => D.Uuid.ToString(),
                "IMG" => D.Image.ToString(),
                "BASE" => D.Chain[0].ToString(),
                "MID" => D.Chain[1].ToString(),
                "LEAF" => D.Chain[2].ToString(),
                "NONE" => Nothing,
                _ => _new.ToString(),
            };
            return m.Groups["form"].Value switch
            {
                "braced" => "{" + id + "}",
                "nodash" => id.Replace("-", "", StringComparison.Ordinal),
                "short" => id[..^1],
                _ => id,
            };
        });
    }

    /// <summary>The words of an argument line, ids put in.</summary>
    protected string[] Args(string line) => Expand(line).Split(' ');

    [GeneratedRegex(@"\b(?<id>SD|IMG|BASE|MID|LEAF|NONE|NEW)(~(?<form>braced|nodash|short))?\b", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^sanpool: (?<name>[A-Z][A-Z0-9_]*) \((?<code>-\d+)\): \S")]
    private static partial Regex ErrorLine();
}
