namespace Sanpool.Api.DataPath;

/// <summary><c>image.teardown</c>: false when the image was not prepared here.</summary>
public sealed record ImageTeardownReply(bool TornDown);
