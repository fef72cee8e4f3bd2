using Sanpool.Core;

namespace Sanpool.TestSupport.Tests;

public sealed class WitnessFileTests : IDisposable
{
    private readonly TempDir _dir = new("witness");

    private string WitnessPath => _dir.File("witness");

    [Fact]
    public void The_first_holder_enters_without_a_violation()
    {
        Assert.True(WitnessFile.TryEnter(WitnessPath, "hostA", out string? other));

        Assert.Null(other);
        Assert.Equal("hostA", WitnessFile.CurrentHolder(WitnessPath));
        Assert.Empty(WitnessFile.ReadViolations(WitnessPath));
    }

    [Fact]
    public void A_second_holder_while_the_first_is_alive_is_recorded_as_a_violation()
    {
        WitnessFile.TryEnter(WitnessPath, "hostA", out _);

        Assert.False(WitnessFile.TryEnter(WitnessPath, "hostB", out string? other));

        Assert.StartsWith("hostA ", other, StringComparison.Ordinal);
        string violation = Assert.Single(WitnessFile.ReadViolations(WitnessPath));
        Assert.Contains("hostB", violation, StringComparison.Ordinal);
        Assert.Contains("hostA", violation, StringComparison.Ordinal);
        Assert.Equal("hostB", WitnessFile.CurrentHolder(WitnessPath));
    }

    [Fact]
    public void Exit_clears_only_the_callers_own_name()
    {
        WitnessFile.TryEnter(WitnessPath, "hostA", out _);

        WitnessFile.Exit(WitnessPath, "hostB");
        Assert.Equal("hostA", WitnessFile.CurrentHolder(WitnessPath));

        WitnessFile.Exit(WitnessPath, "hostA");
        Assert.Null(WitnessFile.CurrentHolder(WitnessPath));
        Assert.True(WitnessFile.TryEnter(WitnessPath, "hostB", out _));
    }

    [Fact]
    public void A_holder_whose_process_is_gone_is_not_a_current_holder()
    {
        // What a holder killed by lease revocation leaves behind: its line, with a dead pid.
        File.WriteAllText(WitnessPath, "ghost 4194305 123\n");

        Assert.True(WitnessFile.TryEnter(WitnessPath, "hostB", out string? other));

        Assert.Null(other);
        Assert.Empty(WitnessFile.ReadViolations(WitnessPath));
    }

    [Fact]
    public async Task Holders_taking_turns_never_record_a_violation()
    {
        var witness = new Witness(WitnessPath);
        using var turn = new SemaphoreSlim(1);
        var holders = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            for (int round = 0; round < 20; round++)
            {
                await turn.WaitAsync();
                try
                {
                    using var hold = await witness.EnterAsync($"holder{i}");
                    Assert.False(hold.WasViolation);
                }
                finally
                {
                    turn.Release();
                }
            }
        }));

        await Task.WhenAll(holders);
        witness.AssertNoViolations();
        Assert.Null(witness.CurrentHolder);
    }

    [Fact]
    public async Task Overlapping_holders_are_caught_by_AssertNoViolations()
    {
        var witness = new Witness(WitnessPath);
        using var a = await witness.EnterAsync("hostA");
        using var b = await witness.EnterAsync("hostB");

        Assert.True(b.WasViolation);
        Assert.ThrowsAny<Exception>(witness.AssertNoViolations);
    }

    [Fact]
    public void Names_with_spaces_are_refused()
    {
        Assert.Throws<ArgumentException>(() => WitnessFile.TryEnter(WitnessPath, "host A", out _));
    }

    public void Dispose() => _dir.Dispose();
}
