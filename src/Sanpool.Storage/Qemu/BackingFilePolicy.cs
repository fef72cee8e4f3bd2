using System.Text;
using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// The backing-file rule of VDSM storage domains: a qcow2 volume names its parent by the bare
/// volume UUID alone (36 characters, lowercase hex and dashes), resolved by qemu relative to
/// the volume's own directory, and that UUID must be a volume of the same image or of its
/// template. Anything else lets an image reach outside its domain (safety rule 4 of the
/// design): a guest, an import or a crafted upload can write a qcow2 header naming
/// <c>../../other-image/vol</c>, <c>/etc/shadow</c>, <c>nbd://attacker/</c> or a
/// <c>json:{...}</c> node graph, and the next <c>qemu-img</c> or VM start follows it.
/// <para>
/// Checked here: the name's form (no '/', no protocol prefix, no <c>json:</c>, no control
/// characters, a canonical UUID); membership in the allowed volume set when one is given; and,
/// for file domains given the image directory, that the entry is not a symlink resolving out of
/// that directory. A header is also refused if it has a backing file without a backing format
/// (qemu would probe the format, and a guest can plant a qcow2 header in a raw parent) or with
/// a format other than raw/qcow2, or if it names an external data file.
/// </para>
/// <para>
/// The symlink check is a point-in-time check: only the SPM writes image directories, so
/// nothing may swap the entry between this check and the qemu-img run that follows it.
/// </para>
/// </summary>
public sealed class BackingFilePolicy
{
    /// <summary>The formats a VDSM chain may contain.</summary>
    public static readonly IReadOnlySet<string> AllowedFormats = new HashSet<string>(StringComparer.Ordinal) { "raw", "qcow2" };

    private readonly HashSet<string>? _allowedVolumes;
    private readonly string? _imageDirectory;

    /// <param name="allowedVolumes">
    /// UUIDs of the volumes of this image and its template; null checks the form only.
    /// </param>
    /// <param name="imageDirectory">For file domains, the image's directory; symlinks must not lead out of it.</param>
    public BackingFilePolicy(IEnumerable<string>? allowedVolumes = null, string? imageDirectory = null)
    {
        _allowedVolumes = allowedVolumes?.ToHashSet(StringComparer.Ordinal);
        _imageDirectory = imageDirectory;
    }

    /// <summary>Only the form of the name is checked.</summary>
    public static BackingFilePolicy FormOnly { get; } = new();

    /// <summary>True if <paramref name="name"/> is a canonical lowercase UUID (8-4-4-4-12 hex).</summary>
    public static bool IsVolumeUuid(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length != 36)
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            bool dash = i is 8 or 13 or 18 or 23;
            char c = name[i];
            if (dash ? c != '-' : !(char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Checks the form of a backing file name alone (no volume set, no file system); null
    /// (no backing file) passes.
    /// </summary>
    /// <exception cref="SanpoolException">UNSAFE_BACKING_FILE quoting the name.</exception>
    public static void CheckName(string? backingFile)
    {
        if (backingFile is null)
        {
            return;
        }

        string? problem = FormProblem(backingFile);
        if (problem is not null)
        {
            throw Unsafe(backingFile, problem);
        }
    }

    /// <summary>Checks a backing file name; null (no backing file) passes.</summary>
    /// <exception cref="SanpoolException">UNSAFE_BACKING_FILE quoting the name.</exception>
    public void Check(string? backingFile)
    {
        CheckName(backingFile);
        if (backingFile is null)
        {
            return;
        }

        if (_allowedVolumes is not null && !_allowedVolumes.Contains(backingFile))
        {
            throw Unsafe(backingFile, "names no volume of this image or its template");
        }

        if (_imageDirectory is not null && SymlinkProblem(_imageDirectory, backingFile) is { } problem)
        {
            throw Unsafe(backingFile, problem);
        }
    }

    /// <summary>Checks a decoded header: its backing name, its backing format, its data file.</summary>
    public void Check(Qcow2Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.ExternalDataFile is not null || header.IncompatibleFeatures.HasFlag(Qcow2IncompatibleFeatures.ExternalDataFile))
        {
            throw new SanpoolException(QemuErrors.UnsafeBackingFile,
                $"the image reads guest data from an external data file '{Printable(header.ExternalDataFile ?? "")}'; volumes must hold their own data");
        }

        Check(header.BackingFile);
        if (header.BackingFile is null)
        {
            return;
        }

        if (header.BackingFormat is not { } format)
        {
            throw Unsafe(header.BackingFile, "has no backing format; qemu would probe the parent's format");
        }

        if (!AllowedFormats.Contains(format))
        {
            throw Unsafe(header.BackingFile, $"has backing format '{Printable(format)}', not raw or qcow2");
        }
    }

    /// <summary>Reads the header of the image at <paramref name="path"/> and checks it; returns the header.</summary>
    public async Task<Qcow2Header> CheckImageAsync(string path, CancellationToken cancellationToken)
    {
        var header = await Qcow2Header.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        Check(header);
        return header;
    }

    /// <summary>Reads the header of the image on <paramref name="device"/> and checks it; returns the header.</summary>
    public async Task<Qcow2Header> CheckImageAsync(BlockIO.IBlockDevice device, CancellationToken cancellationToken)
    {
        var header = await Qcow2Header.ReadAsync(device, cancellationToken).ConfigureAwait(false);
        Check(header);
        return header;
    }

    private static string? FormProblem(string name)
    {
        if (name.Length == 0)
        {
            return "is empty";
        }

        if (name.StartsWith("json:", StringComparison.OrdinalIgnoreCase))
        {
            return "is a json: pseudo-protocol node graph";
        }

        if (name.Any(char.IsControl))
        {
            return "contains control characters";
        }

        if (name.Contains(':', StringComparison.Ordinal))
        {
            // nbd:, file:, http(s):, ssh:, rbd:, gluster:, iscsi: ... qemu parses a prefix before ':' as a protocol.
            return $"has a protocol prefix '{name[..name.IndexOf(':', StringComparison.Ordinal)]}:'";
        }

        if (name.StartsWith('/'))
        {
            return "is an absolute path";
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            return "is a path, not a bare volume UUID";
        }

        if (name is "." or "..")
        {
            return "is a directory reference";
        }

        return IsVolumeUuid(name) ? null : "is not a volume UUID (36 characters, lowercase hex with dashes)";
    }

    private static string? SymlinkProblem(string imageDirectory, string name)
    {
        string entry = Path.Combine(imageDirectory, name);
        var info = new FileInfo(entry);
        if (info.LinkTarget is null)
        {
            // A regular file (or a hard link, as templates are shared) or nothing at all: it is
            // in the directory itself.
            return null;
        }

        string? resolved = RealPath.Resolve(entry);
        if (resolved is null)
        {
            return $"is a symlink to '{Printable(info.LinkTarget)}' that does not resolve";
        }

        string? directory = RealPath.Resolve(imageDirectory);
        if (directory is null || !string.Equals(Path.GetDirectoryName(resolved), directory, StringComparison.Ordinal))
        {
            return $"is a symlink resolving to '{Printable(resolved)}', outside the image directory {imageDirectory}";
        }

        return null;
    }

    private static SanpoolException Unsafe(string name, string problem) =>
        new(QemuErrors.UnsafeBackingFile, $"backing file '{Printable(name)}' {problem}");

    /// <summary>The name with control and non-ASCII characters escaped, safe to log.</summary>
    private static string Printable(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is >= ' ' and <= '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }

        return sb.ToString();
    }
}
