using Sanpool.Core;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>The thin volume monitor's own timing (the extension rule itself is <see cref="ExtensionPolicyOptions"/>).</summary>
public sealed record ThinMonitorOptions
{
    /// <summary>
    /// How often each volume's watermark is sampled (rate estimate, re-arming) when no event
    /// comes; VDSM's periodic check is every 2 s. Reading the watermark is an in-process read.
    /// </summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The first wait after a request could not be made (or a refresh failed); doubles up to <see cref="RetryMaximum"/>.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaximum { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Repeated failures of one volume are logged at most once per this interval (with a count).</summary>
    public TimeSpan FailureLogInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait before attempt <paramref name="failures"/> (1 = after the first failure).</summary>
    public TimeSpan Backoff(int failures)
    {
        double factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        return TimeSpan.FromTicks((long)Math.Min(RetryMaximum.Ticks, RetryInitial.Ticks * factor));
    }

    public ThinMonitorOptions Validate()
    {
        if (SampleInterval <= TimeSpan.Zero || RetryInitial <= TimeSpan.Zero || RetryMaximum < RetryInitial || FailureLogInterval < TimeSpan.Zero)
        {
            throw new SanpoolException(ThinErrors.PolicyInvalid,
                "thin monitor: the sample interval and first retry must be positive, the longest retry at least the first, the failure log interval not negative");
        }

        return this;
    }
}
