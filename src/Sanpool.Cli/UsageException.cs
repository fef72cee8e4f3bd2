using Sanpool.Core;

namespace Sanpool.Cli;

/// <summary>
/// An argument the CLI refuses by itself, before it opens any domain: a UUID that is not one,
/// a size that is no size. It is INVALID_ARGUMENT like any bad input, but the command exits 2
/// and points at the verb's help, as System.CommandLine's own parse errors do (Program.cs):
/// it is the same mistake, found one step later. Bad input that only the storage can judge
/// (an image that does not exist) stays exit 1.
/// </summary>
public sealed class UsageException(string message) : SanpoolException(CommonErrors.InvalidArgument, message);
