using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>Requests the typed client would never send get a 4xx problem naming what is wrong, and never reach the verb.</summary>
public sealed class MalformedRequestTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("{\"domain\":", "malformed JSON")]
    [InlineData("{\"domain\":\"5e1b", "malformed JSON")]
    [InlineData("{\"a\":\"b\",}", "malformed JSON")]
    [InlineData("{\"a\" \"b\"}", "malformed JSON")]
    [InlineData("{'a':'b'}", "malformed JSON")]
    [InlineData("{\"a\":\"b\"} {}", "malformed JSON")]
    [InlineData("{\"a\":\"b\"}x", "malformed JSON")]
    [InlineData("{\"a\":\"b\" /* comment */}", "malformed JSON")]
    [InlineData("{\"a\":NaN}", "malformed JSON")]
    [InlineData("{\"a\":01}", "malformed JSON")]
    [InlineData("[\"status\"]", "must be a JSON object of arguments, not an array")]
    [InlineData("\"domain\"", "must be a JSON object of arguments, not a string")]
    [InlineData("42", "must be a JSON object of arguments, not a number")]
    [InlineData("null", "must be a JSON object of arguments, not null")]
    [InlineData("{\"a\":{\"b\":\"c\"}}", "argument 'a' is an object")]
    [InlineData("{\"a\":[1,2]}", "argument 'a' is an array")]
    [InlineData("{\"a\":null}", "argument 'a' is null")]
    [InlineData("{\"a\":\"x\",\"a\":\"y\"}", "argument 'a' is given twice")]
    [InlineData("{\"a\":1e400}", "argument 'a' is a number out of range")]
    [InlineData("{\"a\":-99999999999999999999999999999999999}", "argument 'a' is a number out of range")]
    [InlineData("{\"a\":\"\\ud800\"}", "argument 'a' is not valid Unicode")]
    [InlineData("{\"\":\"x\"}", "argument name '' must be 1 to 64 characters")]
    public async Task A_malformed_body_is_400_BAD_REQUEST_naming_the_problem(string body, string expected)
    {
        await using var api = await ApiHarness.StartAsync(output);

        foreach (var transport in new[] { "unix", "tcp" })
        {
            using var response = await api.Raw(transport).PostAsync("v1/test.echo", ApiHarness.Json(body));
            var problem = await Problem.ExpectAsync(response, 400, "BAD_REQUEST");
            Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
            Assert.Equal(-722, problem.Code);
        }

        Assert.Empty(api.Verbs.Calls);
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D })] // {"a":"\xff\xfe"}
    [InlineData(new byte[] { 0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D })] // {"\xc3":1}: a cut two-byte sequence
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0x7B, 0x7D, 0x00 })] // BOM, {}, NUL
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate
    public async Task A_body_that_is_not_UTF_8_is_400(byte[] body)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync("v1/test.echo", ApiHarness.Bytes(body));

        var problem = await Problem.ExpectAsync(response, 400, "BAD_REQUEST");
        Assert.True(problem.Detail.Contains("not UTF-8", StringComparison.Ordinal) || problem.Detail.Contains("malformed JSON", StringComparison.Ordinal), problem.Detail);
    }

    [Fact]
    public async Task Huge_junk_is_not_echoed_back()
    {
        await using var api = await ApiHarness.StartAsync(output);
        string junk = "{\"" + new string('k', 30_000) + "\":\"" + new string('v', 30_000) + "\"";

        using var response = await api.RawUnix().PostAsync("v1/test.echo", ApiHarness.Json(junk));

        var problem = await Problem.ExpectAsync(response, 400, "BAD_REQUEST");
        Assert.True((await response.Content.ReadAsStringAsync()).Length < 600, problem.Detail);
    }

    [Theory]
    [InlineData("v1/frobnicate", 404, "UNKNOWN_VERB")]
    [InlineData("v1/STATUS", 404, "UNKNOWN_VERB")]
    [InlineData("v1/status%01", 404, "UNKNOWN_VERB")]
    [InlineData("v1/%FF%FE", 404, "UNKNOWN_VERB")]
    [InlineData("v1/..%2Fstatus", 404, "UNKNOWN_VERB")]
    [InlineData("v1/status/extra", 404, "NOT_FOUND")]
    [InlineData("v1/", 404, "NOT_FOUND")]
    [InlineData("v2/status", 404, "NOT_FOUND")]
    [InlineData("", 404, "NOT_FOUND")]
    [InlineData("favicon.ico", 404, "NOT_FOUND")]
    public async Task An_unknown_verb_or_route_is_404(string path, int status, string name)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync(path, ApiHarness.Json("{}"));

        await Problem.ExpectAsync(response, status, name);
        Assert.Empty(api.Verbs.Calls);
    }

    [Fact]
    public async Task Kestrel_itself_refuses_a_NUL_in_the_path_with_a_bare_400()
    {
        // Before the API's pipeline runs, so without a problem document: the one kind of answer
        // that is not ours (also: request lines or headers over Kestrel's limits, broken HTTP).
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync("v1/status%00", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(api.Verbs.Calls);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(4000)]
    public async Task An_over_long_verb_name_is_400(int length)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync("v1/" + new string('s', length), null);

        var problem = await Problem.ExpectAsync(response, 400, "BAD_REQUEST");
        Assert.Contains($"{length} characters long; at most 64", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "v1/image.create", "POST")]
    [InlineData("GET", "v1/spm.start", "POST")]
    [InlineData("PUT", "v1/status", "GET, POST")]
    [InlineData("DELETE", "v1/task.clear", "POST")]
    [InlineData("PATCH", "v1/spm.status", "GET, POST")]
    public async Task A_wrong_method_is_405_with_Allow(string method, string path, string allow)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await Problem.ExpectAsync(response, 405, "METHOD_NOT_ALLOWED");
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Empty(api.Verbs.Calls);
    }

    [Theory]
    [InlineData("v1/task.status?task=a&task=b", "appears 2 times")]
    [InlineData("v1/domain.info?=x", "argument name '' must be")]
    public async Task A_bad_query_is_400(string path, string expected)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().GetAsync(path);

        var problem = await Problem.ExpectAsync(response, 400, "BAD_REQUEST");
        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_POST_with_a_query_is_400()
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync("v1/status?x=1", null);

        await Problem.ExpectAsync(response, 400, "BAD_REQUEST");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_body_that_says_it_is_not_JSON_is_415(string contentType)
    {
        await using var api = await ApiHarness.StartAsync(output);
        var content = new StringContent("{}", Encoding.UTF8);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await api.RawUnix().PostAsync("v1/status", content);

        await Problem.ExpectAsync(response, 415, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/problem+json")]
    [InlineData(null)]
    public async Task A_JSON_body_or_one_without_a_type_is_taken(string? contentType)
    {
        await using var api = await ApiHarness.StartAsync(output);
        var content = new ByteArrayContent("{\"a\":\"b\"}"u8.ToArray());
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await api.RawUnix().PostAsync("v1/test.echo", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Too_many_or_too_long_arguments_are_400()
    {
        await using var api = await ApiHarness.StartAsync(output);
        string many = "{" + string.Join(",", Enumerable.Range(0, 33).Select(i => $"\"a{i}\":1")) + "}";
        string longValue = "{\"a\":\"" + new string('x', 4097) + "\"}";
        string longName = "{\"" + new string('n', 65) + "\":1}";

        using var r1 = await api.RawUnix().PostAsync("v1/test.echo", ApiHarness.Json(many));
        using var r2 = await api.RawUnix().PostAsync("v1/test.echo", ApiHarness.Json(longValue));
        using var r3 = await api.RawUnix().PostAsync("v1/test.echo", ApiHarness.Json(longName));

        Assert.Contains("more than 32 arguments", (await Problem.ExpectAsync(r1, 400, "BAD_REQUEST")).Detail, StringComparison.Ordinal);
        Assert.Contains("4097 characters long", (await Problem.ExpectAsync(r2, 400, "BAD_REQUEST")).Detail, StringComparison.Ordinal);
        Assert.Contains("must be 1 to 64 characters", (await Problem.ExpectAsync(r3, 400, "BAD_REQUEST")).Detail, StringComparison.Ordinal);
        Assert.Empty(api.Verbs.Calls);
    }
}
