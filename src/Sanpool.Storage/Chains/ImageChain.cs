namespace Sanpool.Storage.Chains;

/// <summary>
/// One image's analysis: the chain base first, or the error and the (parent, child) pairs
/// it was found in. <see cref="Volumes"/> includes a template's shared base borrowed from
/// another image.
/// </summary>
public sealed record ImageChain(
    string Image,
    IReadOnlyList<Guid> Chain,
    ChainError? Error,
    IReadOnlyList<(string Parent, Guid Child)> Pairs,
    IReadOnlyDictionary<Guid, VolumeInfo> Volumes)
{
    public bool IsValid => Error is null;
}
