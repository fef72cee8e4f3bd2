using System.Globalization;
using System.Text.RegularExpressions;

namespace Sanpool.Bench;

/// <summary>
/// What <c>qemu-io</c> (7.2) prints for one <c>write</c> or <c>read -P</c> command read from its
/// stdin, one line at a time. Every command's output starts with the prompt <c>"qemu-io&gt; "</c>
/// (no newline after it, so it prefixes the command's first line); a write then prints exactly one of
/// <code>
///  wrote 4194304/4194304 bytes at offset 0
///  4 MiB, 1 ops; 00.01 sec (599.168 MiB/sec and 149.7920 ops/sec)    (a statistics line)
///  write failed: No space left on device                             (ENOSPC from the NBD server)
///  write failed: Input/output error                                  (any other errno)
/// </code>
/// and a read <c>read 4194304/4194304 bytes at offset 0</c> or <c>read failed: ...</c>, the
/// first after <c>Pattern verification failed at offset 0, 4194304 bytes</c> if the data was
/// not the pattern. So a writer that sends one command at a time and reads until a
/// "wrote"/"read" or "... failed:" line knows which command each outcome belongs to; "wrote"
/// and "read" also name the offset to check. Statistics lines, the bare prompt and anything
/// else are <see cref="QemuIoOutcome.Other"/>.
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
        var done = Done().Match(text);
        if (done.Success)
        {
            long bytes = long.Parse(done.Groups[2].Value, CultureInfo.InvariantCulture);
            long asked = long.Parse(done.Groups[3].Value, CultureInfo.InvariantCulture);
            long offset = long.Parse(done.Groups[4].Value, CultureInfo.InvariantCulture);
            var outcome = done.Groups[1].Value == "wrote" ? QemuIoOutcome.Wrote : QemuIoOutcome.Read;
            // A short write or read ("wrote 1048576/4194304") is not what was asked: a failure.
            return new QemuIoReply(bytes == asked ? outcome : QemuIoOutcome.Failed, offset, bytes, text);
        }

        if (text.StartsWith("write failed:", StringComparison.Ordinal) || text.StartsWith("read failed:", StringComparison.Ordinal))
        {
            bool noSpace = text.Contains("No space left on device", StringComparison.Ordinal);
            return new QemuIoReply(noSpace ? QemuIoOutcome.NoSpace : QemuIoOutcome.Failed, -1, 0, text);
        }

        if (text.StartsWith("Pattern verification failed", StringComparison.Ordinal))
        {
            return new QemuIoReply(QemuIoOutcome.Mismatch, -1, 0, text);
        }

        return new QemuIoReply(QemuIoOutcome.Other, -1, 0, text);
    }

    [GeneratedRegex(@"^(wrote|read) (\d+)/(\d+) bytes at offset (\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Done();
}
