using System.Text.Json;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// Turns qemu-img's <c>--output json</c> into immutable records. Keys are qemu's (kebab-case);
/// a missing required key or text that is not JSON is QEMU_IMG_BAD_OUTPUT naming the command.
/// </summary>
internal static class QemuImgJson
{
    public static QemuImageInfo Info(ToolResult run)
    {
        using var doc = Parse(run);
        return Info(doc.RootElement, run);
    }

    public static IReadOnlyList<QemuImageInfo> Chain(ToolResult run)
    {
        using var doc = Parse(run);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad(run, "expected a JSON array of images");
        }

        return [.. doc.RootElement.EnumerateArray().Select(e => Info(e, run))];
    }

    public static QemuImageCheck Check(ToolResult run, QemuCheckStatus status)
    {
        using var doc = Parse(run);
        var e = doc.RootElement;
        return new QemuImageCheck
        {
            Status = status,
            Filename = String(e, "filename"),
            Format = String(e, "format"),
            ImageEndOffset = Long(e, "image-end-offset"),
            TotalClusters = Long(e, "total-clusters"),
            AllocatedClusters = Long(e, "allocated-clusters"),
            FragmentedClusters = Long(e, "fragmented-clusters"),
            CompressedClusters = Long(e, "compressed-clusters"),
            Leaks = Long(e, "leaks") ?? 0,
            Corruptions = Long(e, "corruptions") ?? 0,
            CheckErrors = Long(e, "check-errors") ?? 0,
        };
    }

    public static QemuImageMeasure Measure(ToolResult run)
    {
        using var doc = Parse(run);
        var e = doc.RootElement;
        return new QemuImageMeasure(
            Long(e, "required") ?? throw Bad(run, "no \"required\""),
            Long(e, "fully-allocated") ?? throw Bad(run, "no \"fully-allocated\""),
            Long(e, "bitmaps"));
    }

    private static QemuImageInfo Info(JsonElement e, ToolResult run)
    {
        var data = e.TryGetProperty("format-specific", out var specific) && specific.ValueKind == JsonValueKind.Object
            && specific.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        bool hasData = data.ValueKind == JsonValueKind.Object;
        return new QemuImageInfo
        {
            Filename = String(e, "filename") ?? throw Bad(run, "an image without \"filename\""),
            Format = String(e, "format") ?? throw Bad(run, "an image without \"format\""),
            VirtualSize = Long(e, "virtual-size") ?? throw Bad(run, "an image without \"virtual-size\""),
            ActualSize = Long(e, "actual-size") ?? 0,
            ClusterSize = Long(e, "cluster-size"),
            BackingFilename = String(e, "backing-filename"),
            FullBackingFilename = String(e, "full-backing-filename"),
            BackingFormat = String(e, "backing-filename-format"),
            DirtyFlag = Bool(e, "dirty-flag") ?? false,
            Encrypted = Bool(e, "encrypted") ?? false,
            Compat = hasData ? String(data, "compat") : null,
            LazyRefcounts = hasData ? Bool(data, "lazy-refcounts") : null,
            RefcountBits = hasData ? (int?)Long(data, "refcount-bits") : null,
            Corrupt = hasData ? Bool(data, "corrupt") : null,
            CompressionType = hasData ? String(data, "compression-type") : null,
            ExtendedL2 = hasData ? Bool(data, "extended-l2") : null,
        };
    }

    private static JsonDocument Parse(ToolResult run)
    {
        try
        {
            return JsonDocument.Parse(run.Stdout);
        }
        catch (JsonException e)
        {
            throw new SanpoolException(QemuErrors.QemuImgBadOutput,
                $"{run.CommandLine} printed no valid JSON ({e.Message}): {Excerpt(run.Stdout)}", innerException: e);
        }
    }

    private static string? String(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : null;

    private static bool? Bool(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static SanpoolException Bad(ToolResult run, string problem) =>
        new(QemuErrors.QemuImgBadOutput, $"{run.CommandLine} printed unexpected JSON: {problem}: {Excerpt(run.Stdout)}");

    private static string Excerpt(string text) => text.Length <= 300 ? text.Trim() : text[..300] + "...";
}
