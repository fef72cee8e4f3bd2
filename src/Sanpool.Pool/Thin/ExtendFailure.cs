namespace Sanpool.Pool.Thin;

/// <summary>One failed attempt to extend a volume, as the requester or the monitor saw it.</summary>
public sealed record ExtendFailure(ExtendFailureKind Kind, string Message);
