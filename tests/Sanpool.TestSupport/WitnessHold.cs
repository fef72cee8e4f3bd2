using Sanpool.Core;

namespace Sanpool.TestSupport;

/// <summary>One holder's stay in a witness file; disposing it exits.</summary>
public sealed class WitnessHold : IDisposable
{
    private readonly string _path;
    private int _exited;

    internal WitnessHold(string path, string holderName, string? otherHolder)
    {
        _path = path;
        HolderName = holderName;
        OtherHolder = otherHolder;
    }

    public string HolderName { get; }

    /// <summary>The live holder found on entry (a violation), or null.</summary>
    public string? OtherHolder { get; }

    public bool WasViolation => OtherHolder is not null;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _exited, 1) == 0)
        {
            WitnessFile.Exit(_path, HolderName);
        }
    }
}
