namespace Sanpool.Engine.Model;

/// <summary><c>audit_log.severity</c>; the engine's values.</summary>
public enum AuditLogSeverity
{
    NORMAL = 0,
    WARNING = 1,
    ERROR = 2,
    ALERT = 10,
}
