namespace Sanpool.Engine.Hosts;

/// <summary>
/// Every delay of the engine's SPM management, derived in one place from the config. The
/// lease delays are not the engine's: they are the lease layer's (io_timeout of the master
/// domain, host_dead = 8 io + the watchdog margin), and the engine never shortens them, it only
/// waits for them. The SPM dying at t=0, with the defaults (poll P = 5 s; io_timeout 10 s,
/// host_dead 140 s):
/// <code>
///  t=-r        the SPM's last renewal of its host id (r &lt;= 2 io: renewals every 2 io)
///  t=0         the SPM's agent dies (kill -9), freezes, or loses its lease
///  t=0..P      the next poll round: no answer within StatusTimeout (2..10 s) is NonResponsive;
///              no Up host says SPM, so the engine picks the best Up host (priority, random
///              among equals; -1 never) and calls its spm.start with the previous SPM id and
///              lease version, in the background (the rounds go on)
///  t&lt;host_dead-r  the new host's SDM acquire watches the old host id: renewed means live, and
///              the start is refused (DOMAIN_BUSY: an engine cut off from a live SPM never
///              moves the role); silent means it waits, inside the call
///  t=host_dead-r  the acquire finds the old host id silent for host_dead: the SDM lease is
///              taken, tasks recovered, SPM; the call returns (at most StartTimeout after it
///              was made), spm_vds_id is written with an SPM_STARTED event
///  refused     SPM_START_FAILED event naming the pool, the host and the lease; the next round
///              (P later) tries again
/// </code>
/// A host the engine runs (<c>"election": false</c>) elects by itself only after its
/// manager_grace_seconds without a call (agent default 120 s, many poll periods): with the
/// engine up it never does, and with the engine down the pool still gets an SPM.
/// </summary>
public sealed record SpmTimeouts
{
    /// <summary>How often the engine looks at every pool's SPM: each host poll round.</summary>
    public required TimeSpan PollPeriod { get; init; }

    /// <summary>How long a status call (and a task list or spm.stop) may take.</summary>
    public required TimeSpan StatusTimeout { get; init; }

    /// <summary>How long one spm.start may take: it can wait out an old SPM's lease inside.</summary>
    public required TimeSpan StartTimeout { get; init; }

    public static SpmTimeouts From(EngineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new SpmTimeouts
        {
            PollPeriod = TimeSpan.FromSeconds(Math.Max(1, config.HostPollSeconds)),
            StatusTimeout = HostMonitor.StatusTimeout(config),
            StartTimeout = TimeSpan.FromSeconds(config.SpmStartTimeoutSeconds),
        };
    }
}
