namespace Sanpool.Api.Binding;

/// <summary>A request's byte count (a size): a whole number above zero.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class PositiveAttribute : Attribute;
