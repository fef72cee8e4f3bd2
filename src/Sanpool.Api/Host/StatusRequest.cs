namespace Sanpool.Api.Host;

/// <summary><c>status</c>: takes nothing.</summary>
public sealed record StatusRequest;
