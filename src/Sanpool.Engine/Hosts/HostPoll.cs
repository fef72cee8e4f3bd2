using Sanpool.Api.Host;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>One host's poll in a round: what it was, what its agent said (null: no answer), and what it is now.</summary>
internal sealed record HostPoll(VdsView Before, StatusReply? Reply, VdsStatus Status, string? Reason, SpmStatus Spm, DateTimeOffset? LastSeen);
