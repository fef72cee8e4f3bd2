using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// A template: an image's chain collapsed into one SHARED volume in a new image of the same
/// domain, which images are then made from (<see cref="ImageSpec.Template"/>). The source image
/// is left as it is. Same steps and crash points as <see cref="CopyImage"/>.
/// </summary>
public static class CreateTemplate
{
    public const string Name = "template";

    public static Task<IReadOnlyList<Guid>> RunAsync(DomainWriter writer, Guid templateImage, Guid sourceImage, Guid? volume, Action<double>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return CopyImage.RunAsync(writer.Store, sourceImage, writer,
            new CopyOptions { Template = true, Collapse = true, NewImage = templateImage, NewVolume = volume }, progress, cancellationToken);
    }
}
