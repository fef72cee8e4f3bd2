using System.Globalization;

namespace Sanpool.Harness.ThinSimulation;

/// <summary>
/// The extension latencies (request to refreshed mapping) a simulated run draws from, one per
/// request. Deterministic: every <see cref="Start"/> replays the same sequence.
/// </summary>
public abstract class LatencyModel
{
    /// <summary>A short description for tables ("fixed 1 s", "measured p50 ... p99 ...").</summary>
    public abstract string Name { get; }

    /// <summary>A fresh draw function for one run.</summary>
    public abstract Func<TimeSpan> Start();

    /// <summary>The same distribution drawn with another seed (a fixed latency is itself).</summary>
    public abstract LatencyModel WithSeed(int seed);

    /// <summary>Every request takes exactly <paramref name="latency"/>.</summary>
    public static LatencyModel Fixed(TimeSpan latency) => new FixedModel(latency);

    /// <summary>Uniform between <paramref name="low"/> and <paramref name="high"/> (VDSM's 2-4 s round trip).</summary>
    public static LatencyModel Uniform(TimeSpan low, TimeSpan high, int seed = 1) => new UniformModel(low, high, seed);

    /// <summary>Draws from measured latencies, with replacement (the benchmark's real round trips).</summary>
    public static LatencyModel Sampled(IReadOnlyList<TimeSpan> samples, int seed = 1) => new SampledModel(samples, seed);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private sealed class FixedModel(TimeSpan latency) : LatencyModel
    {
        public override string Name => "fixed " + Seconds(latency);

        public override Func<TimeSpan> Start() => () => latency;

        public override LatencyModel WithSeed(int seed) => this;
    }

    private sealed class UniformModel(TimeSpan low, TimeSpan high, int seed) : LatencyModel
    {
        public override string Name => $"uniform {Seconds(low)} .. {Seconds(high)}";

        public override LatencyModel WithSeed(int seed) => new UniformModel(low, high, seed);

        public override Func<TimeSpan> Start()
        {
#pragma warning disable CA5394 // A seeded, reproducible simulation, not security.
            var random = new Random(seed);
            return () => low + ((high - low) * random.NextDouble());
#pragma warning restore CA5394
        }
    }

    private sealed class SampledModel : LatencyModel
    {
        private readonly TimeSpan[] _samples;
        private readonly int _seed;

        public SampledModel(IReadOnlyList<TimeSpan> samples, int seed)
        {
            ArgumentNullException.ThrowIfNull(samples);
            ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
            _samples = [.. samples.Order()];
            _seed = seed;
        }

        public override string Name =>
            $"measured ({_samples.Length}) p50 {Seconds(_samples[_samples.Length / 2])} p99 {Seconds(_samples[Math.Min(_samples.Length - 1, (int)(_samples.Length * 0.99))])}";

        public override LatencyModel WithSeed(int seed) => new SampledModel(_samples, seed);

        public override Func<TimeSpan> Start()
        {
#pragma warning disable CA5394 // A seeded, reproducible simulation, not security.
            var random = new Random(_seed);
            return () => _samples[random.Next(_samples.Length)];
#pragma warning restore CA5394
        }
    }
}
