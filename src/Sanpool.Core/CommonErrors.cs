namespace Sanpool.Core;

/// <summary>Codes for bad input and usage, band -1 .. -99.</summary>
public static class CommonErrors
{
    public static readonly ErrorCode InvalidArgument = new(-1, "INVALID_ARGUMENT");
    public static readonly ErrorCode NotFound = new(-2, "NOT_FOUND");
    public static readonly ErrorCode TooSmall = new(-3, "TOO_SMALL");
    public static readonly ErrorCode Unaligned = new(-4, "UNALIGNED");

    public static SanpoolException Invalid(string message) => new(InvalidArgument, message);
}
