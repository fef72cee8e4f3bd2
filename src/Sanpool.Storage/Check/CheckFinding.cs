namespace Sanpool.Storage.Check;

/// <summary>One disagreement <see cref="DomainCheck"/> found, with the fix it suggests.</summary>
public sealed record CheckFinding(string Image, string? Volume, string Problem, string Fix)
{
    public override string ToString() =>
        $"image {Image}{(Volume is null ? "" : $" volume {Volume}")}: {Problem}{Environment.NewLine}    fix: {Fix}";
}
