using Sanpool.Api.Client;
using System.Globalization;
using Sanpool.Agent.Api;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Storage;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>A verb's SanpoolException reaches the client with the same code, name, message and transience, under the HTTP status of its code.</summary>
public sealed class ErrorRoundTripTests(ITestOutputHelper output)
{
    public static TheoryData<int, string, bool, int> Codes => new()
    {
        { -1, "INVALID_ARGUMENT", false, 400 },
        { -3, "TOO_SMALL", false, 400 },
        { -2, "NOT_FOUND", false, 404 },
        { -706, "TASK_NOT_FOUND", false, 404 },
        { -609, "IMAGE_NOT_FOUND", false, 404 },
        { -702, "NOT_SPM", true, 409 },
        { -611, "IMAGE_EXISTS", false, 409 },
        { -710, "TASK_RUNNING", false, 409 },
        { -608, "DOMAIN_BUSY", true, 503 },
        { -703, "SPM_CONTENDING", true, 503 },
        { -302, "IO_TIMEOUT", true, 503 },
        { -301, "IO_ERROR", false, 500 },
        { -601, "METADATA_INVALID", false, 500 },
        { -9999, "FROM_A_NEWER_AGENT", false, 500 },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task A_verb_error_keeps_its_code_name_message_and_transience(int code, string name, bool transient, int status)
    {
        await using var api = await ApiHarness.StartAsync(output);
        var args = new Dictionary<string, string>
        {
            ["code"] = code.ToString(CultureInfo.InvariantCulture),
            ["name"] = name,
            ["message"] = $"what went wrong with {name}: \"quoted\" ☃",
            ["transient"] = transient ? "true" : "false",
        };

        foreach (var transport in new[] { "unix", "tcp" })
        {
            var e = await Assert.ThrowsAsync<SanpoolException>(() => api.Client(transport).InvokeAsync("test.throw", args, default));
            Assert.Equal(new ErrorCode(code, name), e.Code);
            Assert.Equal(args["message"], e.Message);
            Assert.Equal(transient, e.IsTransient);
        }

        using var response = await api.RawUnix().PostAsync("v1/test.throw", ApiHarness.Json(System.Text.Json.JsonSerializer.Serialize(args)));
        var problem = await Problem.ExpectAsync(response, status, name);
        Assert.Equal(code, problem.Code);
        Assert.Equal(transient, problem.Transient);
    }

    [Fact]
    public async Task A_structural_verb_on_a_host_that_is_not_SPM_is_409_naming_the_SPM()
    {
        await using var api = await ApiHarness.StartAsync(output);
        var args = new Dictionary<string, string> { ["domain"] = FakeAgentVerbs.Domain.ToString(), ["size"] = "1048576" };

        var e = await Assert.ThrowsAsync<SanpoolException>(() => api.Client("tcp").InvokeAsync("image.create", args, default));
        using var response = await api.RawUnix().PostAsync("v1/image.create", ApiHarness.Json($"{{\"domain\":\"{FakeAgentVerbs.Domain}\",\"size\":1048576}}"));

        Assert.Equal(PoolErrors.NotSpm, e.Code);
        Assert.True(e.IsTransient);
        Assert.Contains($"the SPM is host {FakeAgentVerbs.SpmHostId}", e.Message, StringComparison.Ordinal);
        var problem = await Problem.ExpectAsync(response, 409, "NOT_SPM");
        Assert.Equal(e.Message, problem.Detail);
    }

    [Fact]
    public async Task An_unexpected_exception_is_500_AGENT_INTERNAL_without_its_details()
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync("v1/test.crash", null);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => api.Client("unix").InvokeAsync("test.crash", new Dictionary<string, string>(), default));

        var problem = await Problem.ExpectAsync(response, 500, "AGENT_INTERNAL");
        string body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.Equal(AgentErrors.Internal, e.Code);
        Assert.Equal(problem.Detail, e.Message);
        Assert.Contains(api.Log.Entries, l => l.EventId == 7211 && l.Exception is InvalidOperationException);
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void The_status_of_a_code_comes_from_one_table(int code, string name, bool transient, int status) =>
        Assert.Equal(status, AgentProblems.StatusFor(new ErrorCode(code, name), transient));

    [Fact]
    public void Every_named_code_of_the_subsystems_maps_to_a_status_the_API_documents()
    {
        var codes = new[] { typeof(CommonErrors), typeof(PoolErrors), typeof(StorageErrors), typeof(BlockIoErrors), typeof(AgentErrors) }
            .SelectMany(t => t.GetFields().Where(f => f.FieldType == typeof(ErrorCode)).Select(f => (ErrorCode)f.GetValue(null)!));
        int[] documented = [400, 401, 404, 405, 409, 413, 415, 500, 503];

        foreach (var code in codes)
        {
            Assert.Contains(AgentProblems.StatusFor(code, isTransient: false), documented);
        }

        Assert.Equal(401, AgentProblems.StatusFor(AgentErrors.Unauthorized, false));
        Assert.Equal(404, AgentProblems.StatusFor(AgentErrors.UnknownVerb, false));
        Assert.Equal(409, AgentProblems.StatusFor(PoolErrors.NotSpm, true));
        Assert.Equal(503, AgentProblems.StatusFor(StorageErrors.DomainBusy, false));
    }
}
