using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Api.Tasks;
using Sanpool.Engine.Tests.Web;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>The hosts, data centers, domains, disks and events endpoints in process, over fake agents.</summary>
public sealed class HostApiTests
{
    [Fact]
    public async Task Adding_the_first_host_imports_its_pool_with_domains_and_disk_chain_and_answers_201_with_its_location()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        engine.Agents.Add(1, spm: "SPM");

        using var added = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = "/run/fake/host1.sock", spm_priority = 7 });
        string text = await added.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.Created == added.StatusCode, text);
        var host = JsonNode.Parse(text)!;
        Assert.Equal($"/api/hosts/{(string)host["id"]!}", added.Headers.Location?.ToString());
        Assert.Equal("host1", (string)host["name"]!);
        Assert.Equal("up", (string)host["status"]!);
        Assert.Equal(1, (int)host["host_id"]!);
        Assert.Equal(7, (int)host["spm"]!["priority"]!);
        Assert.Equal("spm", (string)host["spm"]!["status"]!);
        Assert.Equal(pool.Id.ToString(), (string)host["data_center"]!["id"]!);

        var dc = await GetAsync(engine, $"/api/datacenters/{pool.Id}");
        Assert.Equal(pool.Id.ToString("N")[..8], (string)dc["name"]!);
        Assert.Equal("up", (string)dc["status"]!);
        Assert.Equal((string)host["id"]!, (string)dc["spm"]!["id"]!);

        var domains = (await GetAsync(engine, "/api/storagedomains"))["items"]!.AsArray();
        Assert.Equal(2, domains.Count);
        var master = domains.Single(d => (string)d!["id"]! == pool.Domains[0].ToString())!;
        Assert.True((bool)master["master"]!);
        Assert.Equal("iscsi", (string)master["storage_type"]!);
        Assert.Equal("active", (string)master["status"]!);

        var disk = await GetAsync(engine, $"/api/disks/{pool.Disk}");
        Assert.Equal("data01", (string)disk["alias"]!);
        Assert.Equal("the data disk", (string)disk["description"]!);
        Assert.Equal(1L << 30, (long)disk["provisioned_size"]!);
        Assert.Equal(3L << 20, (long)disk["actual_size"]!);
        Assert.Equal(203L << 20, (long)disk["total_size"]!);
        Assert.Equal("ok", (string)disk["status"]!);
        Assert.Equal("cow", (string)disk["format"]!);
        Assert.True((bool)disk["sparse"]!);
        Assert.Equal(2, (int)disk["volumes"]!);
        Assert.Equal(pool.Leaf.ToString(), (string)disk["image_id"]!);
        Assert.Equal(pool.Domains[1].ToString(), (string)disk["storage_domains"]![0]!["id"]!);
        Assert.Single((await GetAsync(engine, $"/api/storagedomains/{pool.Domains[1]}/disks"))["items"]!.AsArray());
        Assert.Empty((await GetAsync(engine, $"/api/storagedomains/{pool.Domains[0]}/disks"))["items"]!.AsArray());

        var chain = await engine.Db.Images.ListByDiskAsync(pool.Disk, CancellationToken.None);
        Assert.Equal([pool.BaseVolume, pool.Leaf], chain.Select(i => i.ImageGuid));
        Assert.Equal([false, true], chain.Select(i => i.Active));
        Assert.Equal([1, 2], chain.Select(i => i.SequenceNumber));
        Assert.Equal(Guid.Empty, chain[0].ParentId);
        Assert.Equal(pool.BaseVolume, chain[1].ParentId);

        var events = (await GetAsync(engine, "/api/events?from=0"))["items"]!.AsArray();
        Assert.Equal(["DATA_CENTER_IMPORTED", "HOST_ADDED"], events.Select(e => (string)e!["code_name"]!));
        long first = (long)events[0]!["id"]!;
        Assert.Single((await GetAsync(engine, $"/api/events?from={first}"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_second_host_with_a_taken_host_id_or_address_is_refused_with_409_and_nothing_is_written()
    {
        await using var engine = await HostsHarness.StartAsync();
        engine.Agents.Add(1, spm: "SPM");
        engine.Agents.Add(1, "/run/fake/impostor.sock");
        engine.Agents.Add(2);
        using (var first = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = "/run/fake/host1.sock" }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        string before = await engine.CountsAsync();
        using var again = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = "/run/fake/host1.sock", name = "other" });
        await Problem.AssertAsync(again, HttpStatusCode.Conflict, "HOST_ADDRESS_EXISTS");
        using var impostor = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = "/run/fake/impostor.sock", name = "impostor" });
        var problem = await Problem.AssertAsync(impostor, HttpStatusCode.Conflict, "HOST_ID_EXISTS");
        Assert.Contains("'host1' (agent /run/fake/host1.sock)", (string)problem["detail"]!, StringComparison.Ordinal);
        using var sameName = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = "/run/fake/host2.sock", name = "host1" });
        await Problem.AssertAsync(sameName, HttpStatusCode.Conflict, "HOST_NAME_EXISTS");
        Assert.Equal(before, await engine.CountsAsync());
    }

    [Fact]
    public async Task An_agent_that_does_not_answer_is_a_502_and_nothing_is_written()
    {
        await using var engine = await HostsHarness.StartAsync();
        string before = await engine.CountsAsync();

        using var response = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = "/run/fake/nobody.sock" });

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadGateway, "AGENT_UNREACHABLE");
        Assert.Contains("/run/fake/nobody.sock", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(before, await engine.CountsAsync());
    }

    [Theory]
    [InlineData("{\"address\":\"/run/fake/host1.sock\",\"spm_priority\":11}", "INVALID_SPM_PRIORITY")]
    [InlineData("{\"address\":\"/run/fake/host1.sock\",\"spm_priority\":-2}", "INVALID_SPM_PRIORITY")]
    [InlineData("{\"address\":\"relative/host1.sock\"}", "INVALID_HOST")]
    [InlineData("{\"address\":\"ftp://host1:7799\"}", "INVALID_HOST")]
    [InlineData("{\"token\":\"t\"}", "INVALID_HOST")]
    [InlineData("{\"address\":\"/run/fake/host1.sock\",\"name\":\"bad name!\"}", "INVALID_HOST")]
    public async Task A_host_with_bad_input_is_refused_with_400_and_nothing_is_written(string body, string error)
    {
        await using var engine = await HostsHarness.StartAsync();
        engine.Agents.Add(1);
        string before = await engine.CountsAsync();

        using var response = await engine.Admin.PostAsync("/api/hosts", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, error);
        Assert.Equal(before, await engine.CountsAsync());
    }

    [Theory]
    [InlineData("/api/hosts/{0}", "HOST_NOT_FOUND")]
    [InlineData("/api/datacenters/{0}", "DATA_CENTER_NOT_FOUND")]
    [InlineData("/api/storagedomains/{0}", "STORAGE_DOMAIN_NOT_FOUND")]
    [InlineData("/api/storagedomains/{0}/disks", "STORAGE_DOMAIN_NOT_FOUND")]
    [InlineData("/api/disks/{0}", "DISK_NOT_FOUND")]
    public async Task Unknown_ids_are_404_and_malformed_ones_400(string path, string error)
    {
        await using var engine = await HostsHarness.StartAsync();

        using var unknown = await engine.Admin.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, Guid.NewGuid()));
        await Problem.AssertAsync(unknown, HttpStatusCode.NotFound, error);
        using var malformed = await engine.Admin.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, "not-a-uuid"));
        await Problem.AssertAsync(malformed, HttpStatusCode.BadRequest, "INVALID_ID");
    }

    [Fact]
    public async Task The_SPM_running_tasks_cannot_be_deactivated_and_a_host_is_deleted_only_in_maintenance()
    {
        await using var engine = await HostsHarness.StartAsync();
        var spmAgent = engine.Agents.Add(1, spm: "SPM");
        spmAgent.Tasks.Add(new TaskInfo { Id = Guid.NewGuid(), Verb = "image.copy", State = TaskState.Running, Host = 1, Lver = 1 });
        engine.Agents.Add(2);
        string spm = await AddAsync(engine, "/run/fake/host1.sock");
        string other = await AddAsync(engine, "/run/fake/host2.sock");

        using (var refused = await engine.Admin.PostAsync($"/api/hosts/{spm}/deactivate", null))
        {
            var problem = await Problem.AssertAsync(refused, HttpStatusCode.Conflict, "SPM_TASKS_RUNNING");
            Assert.Contains("image.copy", (string)problem["detail"]!, StringComparison.Ordinal);
        }

        // Nothing changed: still Up and SPM, in the rows and on the agent.
        var still = await GetAsync(engine, $"/api/hosts/{spm}");
        Assert.Equal("up", (string)still["status"]!);
        Assert.Equal("spm", (string)still["spm"]!["status"]!);
        Assert.Equal("SPM", spmAgent.Spm);
        Assert.DoesNotContain(engine.Agents.Calls, c => c.EndsWith(" spm.stop", StringComparison.Ordinal));

        using (var notYet = await engine.Admin.DeleteAsync($"/api/hosts/{other}"))
        {
            await Problem.AssertAsync(notYet, HttpStatusCode.Conflict, "HOST_STATE_CONFLICT");
        }

        using (var deactivated = await engine.Admin.PostAsync($"/api/hosts/{other}/deactivate", null))
        {
            Assert.Equal("maintenance", (string)JsonNode.Parse(await deactivated.Content.ReadAsStringAsync())!["status"]!);
        }

        // A host in maintenance is not polled: its agent going away changes nothing.
        engine.Agents.Add(2).Down = true;
        await engine.PollAsync();
        Assert.Equal("maintenance", (string)(await GetAsync(engine, $"/api/hosts/{other}"))["status"]!);

        using (var activated = await engine.Admin.PostAsync($"/api/hosts/{other}/activate", null))
        {
            Assert.Equal("unassigned", (string)JsonNode.Parse(await activated.Content.ReadAsStringAsync())!["status"]!);
        }

        await engine.Admin.PostAsync($"/api/hosts/{other}/deactivate", null);
        using (var deleted = await engine.Admin.DeleteAsync($"/api/hosts/{other}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await engine.Admin.GetAsync($"/api/hosts/{other}");
        await Problem.AssertAsync(gone, HttpStatusCode.NotFound, "HOST_NOT_FOUND");
        Assert.Equal(1, (int)(await GetAsync(engine, "/api/hosts"))["total"]!);
        var events = (await GetAsync(engine, "/api/events")).AsObject()["items"]!.AsArray().Select(e => (string)e!["code_name"]!).ToList();
        Assert.Equal(["HOST_MAINTENANCE", "HOST_ACTIVATED", "HOST_MAINTENANCE", "HOST_REMOVED"], events.Skip(3));
    }

    [Fact]
    public async Task A_deactivated_SPM_gives_up_its_role_and_the_next_round_elects_another_Up_host()
    {
        await using var engine = await HostsHarness.StartAsync();
        var first = engine.Agents.Add(1, spm: "SPM");
        var second = engine.Agents.Add(2);
        string spm = await AddAsync(engine, "/run/fake/host1.sock");
        string other = await AddAsync(engine, "/run/fake/host2.sock");
        var pool = engine.Agents.Pool;

        using (var deactivated = await engine.Admin.PostAsync($"/api/hosts/{spm}/deactivate", null))
        {
            var host = JsonNode.Parse(await deactivated.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
            Assert.Equal("maintenance", (string)host["status"]!);
            Assert.Equal("none", (string)host["spm"]!["status"]!);
        }

        // The role was stopped on the storage's side (spm.stop), and the pool names no SPM until the next round.
        Assert.Equal("Free", first.Spm);
        Assert.Equal(-1, pool.SpmId);
        Assert.Null((await engine.Db.Pools.GetPoolAsync(pool.Id, CancellationToken.None))!.SpmVdsId);

        await engine.PollAsync();
        await engine.App.Services.GetRequiredService<Sanpool.Engine.Hosts.SpmManager>().IdleAsync();
        await engine.PollAsync();
        Assert.Equal("SPM", second.Spm);
        Assert.Empty(first.Starts);
        Assert.Equal(Guid.Parse(other), (await engine.Db.Pools.GetPoolAsync(pool.Id, CancellationToken.None))!.SpmVdsId);
        Assert.Equal("maintenance", (string)(await GetAsync(engine, $"/api/hosts/{spm}"))["status"]!);
        var events = (await GetAsync(engine, "/api/events")).AsObject()["items"]!.AsArray().Select(e => (string)e!["code_name"]!).ToList();
        Assert.Contains("SPM_STOPPED", events);
        Assert.True(events.IndexOf("SPM_STOPPED") < events.IndexOf("HOST_MAINTENANCE"), string.Join(", ", events));
    }

    [Fact]
    public async Task Lists_are_paged_with_links()
    {
        await using var engine = await HostsHarness.StartAsync();
        for (int i = 1; i <= 3; i++)
        {
            engine.Agents.Add(i, spm: i == 1 ? "SPM" : "Free");
            await AddAsync(engine, $"/run/fake/host{i}.sock");
        }

        using var response = await engine.Admin.GetAsync("/api/hosts?max=2&page=2");
        var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(3, (int)page["total"]!);
        Assert.Equal(["host3"], page["items"]!.AsArray().Select(h => (string)h!["name"]!));
        Assert.Equal("/api/hosts?max=2&page=1", (string)page["prev"]!);
        using var bad = await engine.Admin.GetAsync("/api/events?max=0");
        await Problem.AssertAsync(bad, HttpStatusCode.BadRequest, "BAD_PAGE");
    }

    internal static async Task<JsonNode> GetAsync(HostsHarness engine, string path)
    {
        using var response = await engine.Admin.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    internal static async Task<string> AddAsync(HostsHarness engine, string address)
    {
        using var response = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return (string)JsonNode.Parse(text)!["id"]!;
    }
}
