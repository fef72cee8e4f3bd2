using Sanpool.Storage.Chains;

namespace Sanpool.Storage.Tests.Chains;

public class ChainAnalysisTests
{
    private static readonly Guid Img = Guid.Parse("9f13d2e3-eed5-4af2-936c-358bc4948608");
    private static readonly Guid V1 = Guid.Parse("4ccf601e-ec11-4c10-be8c-3b1a6e53aa51");
    private static readonly Guid V2 = Guid.Parse("3fdf455e-52e6-48da-81f5-475cad796d21");
    private static readonly Guid V3 = Guid.Parse("043dfd54-30d2-4437-9cba-2eded92136b6");
    private static readonly Guid V4 = Guid.Parse("c9a717e4-bc90-4ef5-900d-777bf01b43bf");

    private static VolumeInfo Vol(Guid id, Guid? parent, string role = "INTERNAL", string format = "COW", string type = "SPARSE", long trueSize = 1073741824, Guid? image = null) => new()
    {
        Id = id, Image = image ?? Img, Parent = parent, VolType = role, Format = format, Legality = "LEGAL", Type = type,
        Capacity = 51539607552, TrueSize = trueSize,
    };

    /// <summary>Seed 003's chain, given out of order, as the storage lists it.</summary>
    private static List<VolumeInfo> Seed003() =>
    [
        Vol(V4, V3, "LEAF"),
        Vol(V2, V1),
        Vol(V1, Guid.Empty, format: "RAW", type: "PREALLOCATED", trueSize: 51539607552),
        Vol(V3, V2),
    ];

    [Fact]
    public void Seed_003_chain_prints_exactly_as_vdsm_tool_does()
    {
        var text = ChainReport.RenderText(ChainAnalysis.Analyze(Seed003()));
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Chains", "Golden", "seed003-chain.txt")), text);
    }

    [Fact]
    public void No_images_prints_the_vdsm_placeholder() =>
        Assert.Equal("\n(no images found)\n\n", ChainReport.RenderText(ChainAnalysis.Analyze([])).Replace(new string(' ', 13), "", StringComparison.Ordinal));

    public static TheoryData<string, ChainError> Broken => new()
    {
        { "two children of one parent", ChainError.DuplicateParent },
        { "a volume without parent info", ChainError.UnknownParent },
        { "a volume without image info", ChainError.UnknownImage },
        { "no volume on the blank parent", ChainError.NoBaseVolume },
        { "a loop", ChainError.ChainLoop },
        { "a volume off the chain", ChainError.OrphanVolumes },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Every_broken_chain_kind_is_named(string crafted, ChainError expected)
    {
        var vols = Seed003();
        var orphan = Guid.Parse("11111111-2222-3333-4444-555555555555");
        switch (expected)
        {
            case ChainError.DuplicateParent: vols.Add(Vol(orphan, V3, "LEAF")); break;
            case ChainError.UnknownParent: vols[0] = vols[0] with { Parent = null }; break;
            case ChainError.UnknownImage: vols.Add(Vol(orphan, Guid.Empty) with { Image = null }); break;
            case ChainError.NoBaseVolume: vols = [Vol(V2, V1), Vol(V3, V2)]; break;
            case ChainError.ChainLoop:
                var other = Guid.Parse("99999999-2222-3333-4444-555555555555");
                vols.Add(Vol(orphan, other));
                vols.Add(Vol(other, orphan));
                break;
            case ChainError.OrphanVolumes: vols.Add(Vol(orphan, Guid.Parse("99999999-2222-3333-4444-555555555555"))); break;
        }

        var images = ChainAnalysis.Analyze(vols);
        var broken = Assert.Single(images, i => !i.IsValid);
        Assert.True(broken.Error == expected, $"{crafted}: got {broken.Error}");
        var text = ChainReport.RenderText(images);
        Assert.Contains("Error: " + expected.Describe(), text, StringComparison.Ordinal);
        Assert.Contains("Unordered volumes and children:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_base_from_another_image_joins_the_chain()
    {
        var templateImage = Guid.NewGuid();
        var template = Vol(V1, Guid.Empty, "SHARED", "RAW", "PREALLOCATED", image: templateImage);
        var vols = new List<VolumeInfo> { template, Vol(V2, V1, "LEAF") };
        var chains = ChainAnalysis.Analyze(vols);
        var derived = Assert.Single(chains, c => c.Image == Img.ToString());
        Assert.Equal([V1, V2], derived.Chain);
    }
}
