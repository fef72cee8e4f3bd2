namespace Sanpool.Api.DataPath;

/// <summary><c>image.prepared</c>: the images this host serves now.</summary>
public sealed record ImagePreparedRequest;
