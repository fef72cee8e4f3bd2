namespace Sanpool.Api.Images;

/// <summary><c>volume.delete</c>: removes a leaf volume (the whole image when it is the only one).</summary>
public sealed record VolumeDeleteRequest(Guid Domain, Guid Image, Guid Volume, bool? Wait = null, bool? Forward = null) : IStructuralRequest;
