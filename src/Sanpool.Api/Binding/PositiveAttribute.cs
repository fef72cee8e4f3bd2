namespace Sanpool.Api.Binding;

/// <summary>A request's size: bytes, or a whole number with K, M, G or T, read by <see cref="SizeParser"/> (whole 512-byte sectors, at most qcow2's limit).</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class PositiveAttribute : Attribute;
