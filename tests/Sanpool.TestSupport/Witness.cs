using Sanpool.Core;
using Xunit;

namespace Sanpool.TestSupport;

/// <summary>
/// Test-side use of a witness file (protocol in <see cref="WitnessFile"/>): lease holders in
/// tests call <see cref="EnterAsync"/> right after acquiring and dispose the result right
/// before releasing; the test ends with <see cref="AssertNoViolations"/>.
/// </summary>
public sealed class Witness
{
    public Witness(string path)
    {
        Path = path;
    }

    /// <summary>The witness file; violations go to <see cref="WitnessFile.ViolationsPath"/> of it.</summary>
    public string Path { get; }

    /// <summary>
    /// Records <paramref name="holderName"/> as holding. The flock wait runs off the caller's
    /// thread. A violation is recorded, not thrown, so the run goes on and shows how far it spreads.
    /// </summary>
    public async Task<WitnessHold> EnterAsync(string holderName, CancellationToken cancellationToken = default)
    {
        string? other = await Task.Run(() => WitnessFile.TryEnter(Path, holderName, out string? o) ? null : o, cancellationToken)
            .ConfigureAwait(false);
        return new WitnessHold(Path, holderName, other);
    }

    /// <summary>Clears <paramref name="holderName"/> if it is the recorded holder.</summary>
    public void Exit(string holderName) => WitnessFile.Exit(Path, holderName);

    public string? CurrentHolder => WitnessFile.CurrentHolder(Path);

    public IReadOnlyList<string> Violations => WitnessFile.ReadViolations(Path);

    /// <summary>Fails the test, listing them, if any two holders ever overlapped.</summary>
    public void AssertNoViolations()
    {
        var violations = Violations;
        Assert.True(violations.Count == 0,
            $"{violations.Count} overlapping lease holder(s) recorded in {WitnessFile.ViolationsPath(Path)}:\n" + string.Join('\n', violations));
    }
}
