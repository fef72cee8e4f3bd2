using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Agent.Api;
using Sanpool.Api;
using Sanpool.Api.Binding;
using Sanpool.Api.Client;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Api.Vms;
using Sanpool.Core;
using Sanpool.Storage.Metadata;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Api;

/// <summary>
/// The agent's API as a typed contract: the real agent serves every verb of
/// <see cref="AgentVerbs"/> and its OpenAPI document lists each with its request and reply
/// schema; a request record goes over the wire and binds back equal; binding is strict.
/// </summary>
public sealed class ContractTests : IDisposable
{
    private static readonly Guid Domain = Guid.Parse("5e1b0a3c-95a4-4b37-8c3f-0d9f6f1a2b44");
    private static readonly Guid Image = Guid.Parse("0c3d5e7f-1a2b-4c6d-8e9f-a0b1c2d3e4f5");
    private readonly TempDir _dir = new("contract");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_agent_serves_every_verb_and_its_OpenAPI_document_lists_each_with_request_and_reply_schemas()
    {
        await using var agent = new HostAgent(await ConfigAsync(), NullLogger.Instance);
        Assert.Equal(AgentVerbs.All.Keys.Order(StringComparer.Ordinal), agent.Verbs.Names.Order(StringComparer.Ordinal));

        await using var server = await AgentApi.StartAsync(agent.Verbs, new AgentApiOptions { SocketPath = _dir.File("api.sock"), HostName = "contract" }, null, default);
        using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = AgentClient.UnixSocketConnector(server.SocketPath) }) { BaseAddress = new Uri("http://localhost/") };
        var document = JsonNode.Parse(await http.GetStringAsync(new Uri("openapi/v1.json", UriKind.Relative)))!;
        var schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        var paths = document["paths"]!.AsObject();

        Assert.Equal(AgentVerbs.All.Keys.Select(v => "/v1/" + v).Order(StringComparer.Ordinal), paths.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var verb in AgentVerbs.All.Values)
        {
            var post = paths["/v1/" + verb.Name]?["post"] ?? throw new Xunit.Sdk.XunitException($"{verb}: no POST");
            Assert.Equal(verb.Name, (string?)post["operationId"]);
            Assert.Equal(verb.Group, (string?)post["tags"]![0]);

            var request = Resolve(post["requestBody"]?["content"]?["application/json"]?["schema"], schemas) ?? throw new Xunit.Sdk.XunitException($"{verb}: no request schema");
            var names = request["properties"]?.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal) ?? [];
            Assert.True(names.SetEquals(RequestBinder.Names(verb.RequestType)), $"{verb}: request schema has {string.Join(",", names)}");

            var reply = Resolve(post["responses"]?["200"]?["content"]?["application/json"]?["schema"], schemas) ?? throw new Xunit.Sdk.XunitException($"{verb}: no 200 reply schema");
            Assert.True(reply["properties"] is JsonObject { Count: > 0 } || reply["items"] is not null, $"{verb}: the reply schema says nothing: {reply.ToJsonString()}");
        }

        var create = Resolve(paths["/v1/image.create"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"], schemas)!;
        Assert.Contains("COW", create["properties"]!["format"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_record_crosses_the_wire_and_binds_back_equal_and_the_reply_reads_back_typed()
    {
        var sent = new ImageCreateRequest(Domain, 1L << 30, Image: Image, Format: VolumeFormat.RAW, Allocation: AllocationType.PREALLOCATED, Description: "a \"quoted\" disk", Wait: false);
        var received = new List<ImageCreateRequest>();
        var table = new VerbTable().Add(AgentVerbs.ImageCreate, (request, _) =>
        {
            received.Add(request);
            return Task.FromResult(new TaskSubmitted(new TaskInfo { Id = Image, Verb = "image.create", State = TaskState.Queued, Waiting = "image I" }) { ForwardedTo = 3 });
        });
        await using var server = await AgentApi.StartAsync(table, new AgentApiOptions { SocketPath = _dir.File("typed.sock") }, null, default);
        using var client = AgentClient.Create(server.SocketPath, null);

        var reply = await client.CallAsync(AgentVerbs.ImageCreate, sent, default);
        var raw = await client.InvokeAsync("image.create", new Dictionary<string, string> { ["domain"] = Domain.ToString(), ["size"] = "512" }, default);

        Assert.Equal([sent, new ImageCreateRequest(Domain, 512)], received);
        Assert.Equal(TaskState.Queued, reply.Task.State);
        Assert.Equal(3, reply.ForwardedTo);
        Assert.Equal("queued", (string?)raw["task"]!["state"]);
        Assert.Equal(3, (int?)raw["forwarded_to"]);
    }

    [Theory]
    [InlineData("{\"name\":\"vm1\",\"image\":\"0c3d5e7f-1a2b-4c6d-8e9f-a0b1c2d3e4f5\",\"kernel\":\"k\",\"initrd\":\"i\"}", "argument 'domain' (a UUID) is required")]
    [InlineData("{\"name\":\"vm1\",\"domain\":\"x\",\"image\":\"x\",\"kernel\":\"k\",\"initrd\":\"i\"}", "domain 'x' is not a UUID")]
    [InlineData("{\"name\":\"\",\"domain\":\"5e1b0a3c-95a4-4b37-8c3f-0d9f6f1a2b44\",\"image\":\"0c3d5e7f-1a2b-4c6d-8e9f-a0b1c2d3e4f5\",\"kernel\":\"k\",\"initrd\":\"i\"}", "argument 'name' is required")]
    [InlineData("{\"name\":\"vm1\",\"domain\":\"5e1b0a3c-95a4-4b37-8c3f-0d9f6f1a2b44\",\"image\":\"0c3d5e7f-1a2b-4c6d-8e9f-a0b1c2d3e4f5\",\"kernel\":\"k\",\"initrd\":\"i\",\"memory_mib\":\"8\"}", "memory_mib '8' is not a whole number 64..4096")]
    [InlineData("{\"name\":\"vm1\",\"domain\":\"5e1b0a3c-95a4-4b37-8c3f-0d9f6f1a2b44\",\"image\":\"0c3d5e7f-1a2b-4c6d-8e9f-a0b1c2d3e4f5\",\"kernel\":\"k\",\"initrd\":\"i\",\"cpus\":\"2\"}", "unknown argument 'cpus'; it takes name, domain, image, kernel, initrd, append, source, memory_mib")]
    public void Binding_is_strict_and_names_the_verb_and_the_argument(string json, string message)
    {
        var args = JsonNode.Parse(json)!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal);

        var e = Assert.Throws<SanpoolException>(() => RequestBinder.Bind<VmStartRequest>("vm.start", args));

        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.Equal("vm.start: " + message, e.Message);
    }

    [Theory]
    [InlineData("format", "qcow2", "format 'qcow2' is not one of RAW, COW")]
    [InlineData("format", "1", "format '1' is not one of RAW, COW")]
    [InlineData("size", "0", "size '0' is zero; an image needs at least one 512-byte sector")]
    [InlineData("size", "10GB", "size '10GB': GB is ambiguous (10^9 or 2^30); sizes here are binary, as in VDSM and oVirt: write 10G or 10GiB for powers of 1024, or the size in bytes")]
    [InlineData("size", "1000", "size '1000' is 1000 bytes, not a whole number of 512-byte sectors; give 1024 (or 512)")]
    [InlineData("wait", "yes", "wait 'yes' is not true or false")]
    public void An_enum_a_size_and_a_flag_take_only_their_values(string name, string value, string message)
    {
        var args = new Dictionary<string, string> { ["domain"] = Domain.ToString(), ["size"] = "512", [name] = value };

        var e = Assert.Throws<SanpoolException>(() => RequestBinder.Bind<ImageCreateRequest>("image.create", args));

        Assert.Equal("image.create: " + message, e.Message);
    }

    [Theory]
    [InlineData("1073741824", 1L << 30)]
    [InlineData("10G", 10L << 30)]
    [InlineData("10GiB", 10L << 30)]
    [InlineData("10g", 10L << 30)]
    [InlineData("512K", 512L << 10)]
    public void A_size_is_read_as_the_CLI_reads_it_bytes_or_binary_units(string size, long bytes)
    {
        var bound = RequestBinder.Bind<ImageCreateRequest>("image.create", new Dictionary<string, string> { ["domain"] = Domain.ToString(), ["size"] = size });

        Assert.Equal(bytes, bound.Size);
    }

    [Fact]
    public void Text_goes_on_the_wire_as_written_without_escaping_plus_or_non_ASCII()
    {
        string json = System.Text.Json.JsonSerializer.Serialize(new { error = "EIO + timeout <é>" }, ApiJson.Options);

        Assert.Equal("{\"error\":\"EIO + timeout <é>\"}", json);
    }

    [Fact]
    public void Defaults_are_left_out_on_the_wire_and_enums_read_in_any_case()
    {
        var bound = RequestBinder.Bind<ImageCreateRequest>("image.create", new Dictionary<string, string>
        {
            ["domain"] = Domain.ToString(), ["size"] = "1073741824", ["format"] = "raw",
        });

        Assert.Equal(new ImageCreateRequest(Domain, 1L << 30, Format: VolumeFormat.RAW), bound);
        Assert.Equal(new Dictionary<string, string> { ["domain"] = Domain.ToString(), ["size"] = "1073741824", ["format"] = "RAW" }, ApiJson.Arguments(bound));
    }

    private async Task<AgentConfig> ConfigAsync()
    {
        string file = _dir.File("agent.json");
        await File.WriteAllTextAsync(file, $$"""
            {
              "host_id": 1, "pool": "{{Guid.NewGuid()}}", "master": "{{Guid.NewGuid()}}",
              "devices": ["/dev/loop9"], "run_dir": "{{_dir.Path}}", "socket": "{{_dir.File("a.sock")}}"
            }
            """);
        return await AgentConfig.LoadAsync(file, default);
    }

    /// <summary>A schema, following a $ref into the document's components.</summary>
    private static JsonNode? Resolve(JsonNode? schema, JsonObject schemas) =>
        schema?["$ref"] is JsonValue reference && ((string)reference!).Split('/')[^1] is { } name ? schemas[name] : schema;
}
