using Sanpool.Api.DataPath;
using Sanpool.Api.Host;
using Sanpool.Api.Pools;
using Sanpool.Api.Spm;
using Sanpool.Pool;
using Sanpool.Pool.Monitor;
using Sanpool.Pool.Serving;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Thin;

namespace Sanpool.Agent.Handlers;

/// <summary>The agent's live state as the contract's reply records: one mapping per kind, so that two verbs showing the same thing show it alike.</summary>
internal static class Replies
{
    public static SpmStatusReply Spm(SpmStatus s) => new(PoolConnection.SpmName(s.State), s.SpmId, s.Lver);

    public static PoolInfoReply Pool(PoolMetadata p) => new()
    {
        Pool = p.Pool,
        Description = p.Description,
        MasterVersion = p.MasterVersion,
        Domains = p.Domains,
        SpmId = p.SpmId,
        SpmLver = p.SpmLver,
    };

    public static DomainSeen Domain(DomainStatus d) => new()
    {
        Domain = d.Domain,
        Readable = d.Readable,
        LatencyMs = d.LatencyMs,
        FreeBytes = d.FreeBytes,
        TotalBytes = d.TotalBytes,
        Error = d.Error,
        Checked = d.Checked,
    };

    public static HostSeen Host(HostReport r) => new()
    {
        HostId = r.HostId,
        HostName = r.HostName,
        Spm = r.Spm,
        SeesAll = r.SeesAll,
        Socket = r.Socket,
        Tcp = r.Tcp,
    };

    public static PreparedImageInfo Prepared(PreparedImage p) => new()
    {
        Domain = p.Domain,
        Image = p.Image,
        Drive = p.DriveSpec,
        Blockdevs = p.Blockdevs,
        NbdSocket = p.NbdSocket,
        Volumes = [.. p.Chain.Select(v => new PreparedVolumeInfo
        {
            Volume = v.Volume,
            Format = v.Format,
            Writable = v.Writable,
            Thin = v.Thin,
            Export = v.Export?.Name,
            File = v.FilePath,
            LvSize = v.Export?.CurrentSize,
            ExportSize = v.Export?.Size,
        })],
    };

    public static ThinVolumeInfo Thin(ThinVolumeStatus s) => new()
    {
        Domain = s.Volume.Domain,
        Image = s.Volume.Image,
        Volume = s.Volume.Volume,
        LvSize = s.CurrentSize,
        MaxSize = s.MaximumSize,
        HighestWrite = s.HighestWrite,
        Threshold = s.ArmedThreshold,
        RateMibS = Math.Round(s.RateBytesPerSecond / (1024 * 1024), 1),
        LatencyMs = Math.Round(s.LatencyEstimate.TotalMilliseconds, 1),
        Extending = s.Extending,
        RequestedSize = s.RequestedSize,
        Failures = s.Failures,
        Requests = s.Requests,
    };
}
