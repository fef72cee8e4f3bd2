namespace Sanpool.Api.Images;

/// <summary><c>image.merge</c>: the data of <see cref="Top"/> into <see cref="Base"/>, its parent; top leaves the chain.</summary>
public sealed record ImageMergeRequest(Guid Domain, Guid Image, Guid Base, Guid Top, bool? Wait = null, bool? Forward = null) : IStructuralRequest;
