using System.Globalization;

namespace Sanpool.Bench;

/// <summary>Command line: <c>[--io SECONDS] [--rounds N] [--warmup N] [--takeover both|sanpool|none] [--out FILE]</c>.</summary>
internal sealed record BenchOptions
{
    public int Io { get; init; } = 1;

    public int Rounds { get; init; } = 300;

    public int Warmup { get; init; } = 20;

    /// <summary>Which takeover runs to do: both (Sanpool and the sanlock anchor), sanpool, or none.</summary>
    public string Takeover { get; init; } = "both";

    /// <summary>Where the Markdown table is written besides stdout (default: bench/results/latest.md of the checkout).</summary>
    public string? Out { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--io" => o with { Io = Int() },
                "--rounds" => o with { Rounds = Int() },
                "--warmup" => o with { Warmup = Int() },
                "--takeover" => o with { Takeover = Value() },
                "--out" => o with { Out = Value() },
                _ => throw new ArgumentException($"unknown argument {args[i]}; usage: [--io 1] [--rounds 300] [--warmup 20] [--takeover both|sanpool|none] [--out FILE]"),
            };
        }

        if (o.Io is < 1 or > 255 || o.Rounds < 1 || o.Takeover is not ("both" or "sanpool" or "none"))
        {
            throw new ArgumentException("--io 1..255, --rounds >= 1, --takeover both|sanpool|none");
        }

        return o;
    }
}
