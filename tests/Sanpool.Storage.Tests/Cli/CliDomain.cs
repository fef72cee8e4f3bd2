using System.Text;
using System.Text.Json;
using Sanpool.BlockIO;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Tests.Volumes;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Cli;

/// <summary>
/// One domain shared by a class of CLI tests, with one image of three volumes made through the
/// real CLI (base, middle, leaf). Tests may change it only if they put it back: every test
/// compares <see cref="PictureAsync"/> with <see cref="Baseline"/>, taken once after setup.
/// The picture is what an operator would look at: <c>dump-volume-chains --json</c>, the
/// storage itself (<see cref="StorageAsync"/>) and the operations pending in the journal.
/// </summary>
public abstract class CliDomain : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private TestDomain? _domain;
    private IDomainManifest? _store;
    private IBlockDevice? _journal;

    protected CliDomain(string kind) => Kind = kind;

    public string Kind { get; }

    public Guid Uuid => Domain.Uuid;

    public Guid Image { get; private set; }

    /// <summary>The image's volumes, base first.</summary>
    public IReadOnlyList<Guid> Chain { get; private set; } = [];

    /// <summary>The picture right after setup; every test leaves the domain looking like this.</summary>
    public string Baseline { get; private set; } = "";

    internal TestDomain Domain => _domain ?? throw new InvalidOperationException("the fixture is not initialized");

    /// <summary>How the CLI finds the domain: --path for a file domain, --device for a block one.</summary>
    public IReadOnlyList<string> Where => Kind == "file" ? ["--path", Domain.Mount] : ["--device", string.Join(',', Domain.Devices)];

    public async Task InitializeAsync()
    {
        _domain = await TestDomain.CreateAsync(Kind, 512, "cli-bad");
        try
        {
            string sd = Uuid.ToString();
            using var created = JsonDocument.Parse((await RunAsync("image", "create", sd, "--size", "64M", "--json")).EnsureSuccess().StandardOutput);
            Image = created.RootElement.GetProperty("image").GetGuid();
            var volumes = new List<Guid> { created.RootElement.GetProperty("volume").GetGuid() };
            for (int i = 0; i < 2; i++)
            {
                volumes.Add(Guid.Parse((await RunAsync("snapshot", "create", sd, Image.ToString())).EnsureSuccess().StandardOutput.Trim()));
            }

            Chain = volumes;

            // The journal area never moves: opened once, read afresh by every picture.
            _store = await Domain.OpenAsync();
            _journal = await _store.OpenMasterAreaAsync(CancellationToken.None);
            Baseline = await PictureAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
            _journal = null;
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }

        if (_domain is not null)
        {
            await _domain.DisposeAsync();
            _domain = null;
        }
    }

    /// <summary>Runs <c>sanpool ARGS --path|--device ...</c> as host 1 with the domain's run directory.</summary>
    public Task<ToolResult> RunAsync(params string[] arguments) =>
        SanpoolCli.RunAsync([.. arguments, .. Where], new Dictionary<string, string>
        {
            ["SANPOOL_RUN_DIR"] = Domain.RunDirectory,
            ["SANPOOL_HOST_ID"] = "1",
        }, Timeout);

    /// <summary>The chains as dump-volume-chains prints them, the storage, and the pending journal entries.</summary>
    public async Task<string> PictureAsync()
    {
        var dump = await RunAsync("dump-volume-chains", Uuid.ToString(), "--json");
        var text = new StringBuilder()
            .AppendLine("== dump-volume-chains --json")
            .AppendLine(dump.EnsureSuccess().StandardOutput.TrimEnd())
            .AppendLine($"== {Kind} storage")
            .Append(await StorageAsync(everything: false))
            .AppendLine("== pending journal entries");
        var (_, pending) = await DomainJournal.OpenAsync(_journal!, Uuid, CancellationToken.None);
        foreach (var (slot, entry) in pending)
        {
            text.AppendLine($"slot {slot}: {entry.Operation} {entry.Id} image {entry.Image} phase {entry.Phase}");
        }

        return text.ToString();
    }

    /// <summary>
    /// The storage as the tools below Sanpool see it, one line per thing. Without
    /// <paramref name="everything"/> it leaves out what every writer touches by opening the
    /// domain (its host id and SPM lease, the journal's sequence numbers).
    /// </summary>
    public abstract Task<string> StorageAsync(bool everything);

    /// <summary>Changes one metadata line of the domain without resealing it.</summary>
    public abstract Task BreakSealAsync();

    /// <summary>Puts the line <see cref="BreakSealAsync"/> changed back.</summary>
    public abstract Task RestoreSealAsync();
}
