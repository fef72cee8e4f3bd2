namespace Sanpool.Storage.Chains;

/// <summary>Why an image's volumes do not form one chain; the names and texts of vdsm-tool dump-volume-chains.</summary>
public enum ChainError
{
    DuplicateParent,
    UnknownParent,
    UnknownImage,
    NoBaseVolume,
    ChainLoop,
    OrphanVolumes,
}

public static class ChainErrorText
{
    public static string Describe(this ChainError error) => error switch
    {
        ChainError.DuplicateParent => "more than one volume pointing to the same parent volume e.g: (_BLANK_UUID<-a), (a<-b), (a<-c)",
        ChainError.UnknownParent => "there are volumes in the chain missing the parent info in their metadata, please check the metadata integrity",
        ChainError.UnknownImage => "there are volumes in the storage missing the image info in their metadata, these are listed here",
        ChainError.NoBaseVolume => "no volume with a parent volume Id _BLANK_UUID found e.g: (a<-b), (b<-c)",
        ChainError.ChainLoop => "a loop found in the volume chain. This happens if a volume points to one of it's parent volume e.g.: (BLANK_UUID<-a), (a<-b), (b<-c), (c<-a)",
        ChainError.OrphanVolumes => "there are volumes that are part of an image and are pointing to volumes which are not part of the chain e.g: (BLANK_UUID<-a), (a<-b), (c<-d)",
        _ => throw new ArgumentOutOfRangeException(nameof(error)),
    };
}
