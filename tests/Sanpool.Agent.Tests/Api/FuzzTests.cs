using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>
/// Thousands of random and mutated requests (<see cref="FuzzCorpus"/>, seeded: a failure names
/// the worker and request number to replay) from four concurrent clients over both transports.
/// Every answer is a 200 with JSON or a complete problem document with a 4xx status; none is a
/// 500, nothing is logged as unexpected, and the server serves normally afterwards.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20_261_121;
    private const int Workers = 4;
    private const int RequestsPerWorker = 1000;

    [Fact]
    public async Task Random_and_mutated_requests_get_a_200_or_a_client_error_problem_and_the_server_survives()
    {
        await using var api = await ApiHarness.StartAsync(null, testVerbs: false);
        var statuses = new ConcurrentDictionary<int, int>();
        var verbs = api.Verbs.Verbs.ToList();

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var corpus = new FuzzCorpus(new Random(Seed + worker), verbs);
            var clients = new Dictionary<string, HttpClient> { [FuzzRequest.Unix] = api.RawUnix(), [FuzzRequest.Tcp] = api.RawTcp() };
            for (int i = 0; i < RequestsPerWorker; i++)
            {
                var request = corpus.Next();
                int status = await SendAndCheckAsync(clients[request.Transport], request, $"seed {Seed + worker} request {i}");
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
        })));

        output.WriteLine(string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.Equal(Workers * RequestsPerWorker, statuses.Values.Sum());
        Assert.DoesNotContain(api.Log.Entries, l => l.EventId == 7211);
        Assert.Contains(200, statuses.Keys);
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 6, "the corpus should reach most kinds of refusal");
        Assert.Equal("fake", (string?)(await api.Client("unix").InvokeAsync("status", new Dictionary<string, string>(), default))["host_name"]);
        Assert.Equal("fake", (string?)(await api.Client("tcp").InvokeAsync("status", new Dictionary<string, string>(), default))["host_name"]);
    }

    private static async Task<int> SendAndCheckAsync(HttpClient client, FuzzRequest request, string which)
    {
        using var message = request.ToMessage();
        using var response = await client.SendAsync(message);
        int status = (int)response.StatusCode;
        string context = $"{which}: {request} -> {status}";
        Assert.True(status is 200 or (>= 400 and < 500), context);
        if (request.Method == "HEAD")
        {
            return status;
        }

        byte[] body = await response.Content.ReadAsByteArrayAsync();
        if (status == 200)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", context);
            using var json = JsonDocument.Parse(body);
            return status;
        }

        try
        {
            var problem = await Problem.ReadAsync(response);
            Assert.True(problem.Detail.Length < 1000, context);
            Assert.True(status != (int)HttpStatusCode.Unauthorized || request.Transport == FuzzRequest.Tcp, context);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{context}: not a problem document ({e.Message}): {System.Text.Encoding.UTF8.GetString(body)}");
        }

        return status;
    }
}
