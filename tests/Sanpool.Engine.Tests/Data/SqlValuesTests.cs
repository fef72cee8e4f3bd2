using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// A Guid, a time and a bool are stored as each database's own type (PostgreSQL) or in one
/// fixed text/integer form (SQLite), and read back equal from both.
/// </summary>
[Collection(OnePostgresServer.Name)]
public sealed class SqlValuesTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task Guids_times_and_bools_are_stored_in_the_database_s_own_form(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var id = Guid.Parse("0A1B2C3D-4E5F-6789-ABCD-EF0123456789");
        var job = new Job(id, "a", "b", JobExecutionStatus.STARTED, null, true, Sample.T0, null, Sample.T0, "c", false, true);
        await test.Database.Jobs.StartJobAsync(job, None);

        if (provider == TestDatabase.Sqlite)
        {
            var raw = await test.Database.ReadAsync(
                s => s.QueryAsync(
                    "SELECT typeof(job_id) AS t, job_id, start_time, visible, is_external FROM job",
                    null,
                    r => (r.Text("t"), r.Text("job_id"), r.Text("start_time"), r.Int64Value("visible"), r.Int64Value("is_external")),
                    None),
                None);
            Assert.Equal([("text", "0a1b2c3d-4e5f-6789-abcd-ef0123456789", "2026-12-05T18:30:15.123456Z", 1L, 0L)], raw);
        }
        else
        {
            var raw = await test.Database.ReadAsync(
                s => s.QueryAsync(
                    "SELECT pg_typeof(job_id)::text AS g, pg_typeof(start_time)::text AS t, pg_typeof(visible)::text AS b, job_id::text AS id FROM job",
                    null,
                    r => (r.Text("g"), r.Text("t"), r.Text("b"), r.Text("id")),
                    None),
                None);
            Assert.Equal([("uuid", "timestamp with time zone", "boolean", "0a1b2c3d-4e5f-6789-abcd-ef0123456789")], raw);
        }

        Assert.Equal(job, await test.Database.Jobs.GetJobAsync(id, None));
    }

    [Theory]
    [BothDatabases]
    public async Task A_time_in_another_offset_with_ticks_below_a_microsecond_reads_back_as_the_same_instant_in_UTC_to_the_microsecond(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var local = new DateTimeOffset(2026, 12, 5, 21, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var job = new Job(Guid.NewGuid(), "a", "b", JobExecutionStatus.STARTED, null, false, local, null, local, "c", true, false);
        await test.Database.Jobs.StartJobAsync(job, None);

        var read = await test.Database.Jobs.GetJobAsync(job.JobId, None);

        Assert.Equal(new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), read!.StartTime);
        Assert.Equal(TimeSpan.Zero, read.StartTime.Offset);
        Assert.Equal(SqlValues.Normalize(local), read.LastUpdateTime);
        Assert.False(read.Visible);
        Assert.True(read.IsExternal);
    }

    [Theory]
    [BothDatabases]
    public async Task Times_compare_in_SQL_in_time_order(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        // Across a change of day, month and year, where a text form that is not fixed-width would misorder.
        var times = new[] { new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), Sample.T0 };
        foreach (var (time, i) in times.Select((t, i) => (t, i)))
        {
            await test.Database.Jobs.StartJobAsync(new Job(Guid.NewGuid(), "a", $"{i}", JobExecutionStatus.STARTED, null, true, time, null, time, "c", false, true), None);
        }

        var after = await test.Database.ReadAsync(
            s => s.QueryAsync("SELECT description FROM job WHERE start_time > @since ORDER BY start_time", new { since = Sample.T0 }, r => r.Text("description"), None),
            None);

        Assert.Equal(["0", "1"], after);
    }
}
