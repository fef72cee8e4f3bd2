using System.Text.Json.Serialization;

namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Source-generated JSON for every message; field names are snake_case.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(AddLockspaceRequest))]
[JsonSerializable(typeof(RemLockspaceRequest))]
[JsonSerializable(typeof(AcquireRequest))]
[JsonSerializable(typeof(ReleaseRequest))]
[JsonSerializable(typeof(InquireRequest))]
[JsonSerializable(typeof(StatusRequest))]
[JsonSerializable(typeof(HostStatusRequest))]
[JsonSerializable(typeof(OkReply))]
[JsonSerializable(typeof(ErrorReply))]
[JsonSerializable(typeof(RegisterReply))]
[JsonSerializable(typeof(AcquireReply))]
[JsonSerializable(typeof(InquireReply))]
[JsonSerializable(typeof(StatusReply))]
[JsonSerializable(typeof(HostStatusReply))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
