namespace Sanpool.Api.Images;

/// <summary>
/// <c>volume.delete</c>: removes a leaf volume (the whole image when it is the only one).
/// <see cref="Wipe"/> and <see cref="Discard"/>: zero / discard its extents before the LV is
/// removed (block domains); null takes the domain's default.
/// </summary>
public sealed record VolumeDeleteRequest(Guid Domain, Guid Image, Guid Volume, bool? Wait = null, bool? Forward = null, bool? Wipe = null, bool? Discard = null)
    : IStructuralRequest;
