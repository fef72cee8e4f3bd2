namespace Sanpool.Api.Images;

/// <summary><c>template.create</c>: a template image (one SHARED volume) made from the image's chain, collapsed.</summary>
public sealed record TemplateCreateRequest(Guid Domain, Guid Image, Guid? Template = null, Guid? Volume = null, bool? Wait = null, bool? Forward = null) : IStructuralRequest;
