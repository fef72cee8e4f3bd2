using System.Globalization;
using System.Text.RegularExpressions;

namespace Sanpool.Bench;

/// <summary>
/// What <c>qemu-io</c> (7.2) prints for one <c>write</c> command read from its stdin, one line
/// at a time. Every command's output starts with the prompt <c>"qemu-io&gt; "</c> (no newline
/// after it, so it prefixes the command's first line); a write then prints exactly one of
/// <code>
///  wrote 4194304/4194304 bytes at offset 0
///  4 MiB, 1 ops; 00.01 sec (599.168 MiB/sec and 149.7920 ops/sec)    (a statistics line)
///  write failed: No space left on device                             (ENOSPC from the NBD server)
///  write failed: Input/output error                                  (any other errno)
/// </code>
/// so a writer that sends one command at a time and reads until a "wrote" or "write failed"
/// line knows which command each outcome belongs to; "wrote" also names the offset to check.
/// Statistics lines, the bare prompt and anything else are <see cref="QemuIoOutcome.Other"/>.
/// </summary>
internal sealed partial record QemuIoReply(QemuIoOutcome Outcome, long Offset, long Bytes, string Text)
{
    private const string Prompt = "qemu-io> ";

    public static QemuIoReply Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string text = line;
        while (text.StartsWith(Prompt, StringComparison.Ordinal))
        {
            text = text[Prompt.Length..];
        }

        text = text.Trim();
        var wrote = Wrote().Match(text);
        if (wrote.Success)
        {
            long done = long.Parse(wrote.Groups[1].Value, CultureInfo.InvariantCulture);
            long asked = long.Parse(wrote.Groups[2].Value, CultureInfo.InvariantCulture);
            long offset = long.Parse(wrote.Groups[3].Value, CultureInfo.InvariantCulture);
            // A short write ("wrote 1048576/4194304") is not what was asked: report it as a failure.
            return new QemuIoReply(done == asked ? QemuIoOutcome.Wrote : QemuIoOutcome.Failed, offset, done, text);
        }

        if (text.StartsWith("write failed:", StringComparison.Ordinal))
        {
            bool noSpace = text.Contains("No space left on device", StringComparison.Ordinal);
            return new QemuIoReply(noSpace ? QemuIoOutcome.NoSpace : QemuIoOutcome.Failed, -1, 0, text);
        }

        return new QemuIoReply(QemuIoOutcome.Other, -1, 0, text);
    }

    [GeneratedRegex(@"^wrote (\d+)/(\d+) bytes at offset (\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Wrote();
}
