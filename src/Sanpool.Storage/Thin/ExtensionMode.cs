namespace Sanpool.Storage.Thin;

/// <summary>How a thin volume's host decides when and how far to extend it.</summary>
public enum ExtensionMode
{
    /// <summary>VDSM's rule: a fixed free-space watermark, one chunk at a time.</summary>
    Vdsm,

    /// <summary>Sanpool's rule: free space and step sized from the measured write rate and extension latency.</summary>
    Predictive,
}
