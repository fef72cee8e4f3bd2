namespace Sanpool.Api.Images;

/// <summary>
/// <c>image.copy</c>: the image's chain onto <see cref="TargetDomain"/>, as the same image id or
/// as <see cref="NewImage"/>; <see cref="Collapse"/> makes it one volume, <see cref="NewVolume"/>
/// (collapsed only) its id, so a caller can write down the volume before the task runs.
/// </summary>
public sealed record ImageCopyRequest(
    Guid Domain, Guid Image, Guid TargetDomain, Guid? NewImage = null, bool? Collapse = null, bool? Wait = null, bool? Forward = null, Guid? NewVolume = null)
    : IStructuralRequest;
