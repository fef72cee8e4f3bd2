namespace Sanpool.Storage.Tests.Volumes;

/// <summary>kill -9 at every step of each structural operation on block domains (LVs on a loop device), one class per operation (see <see cref="CrashRecoveryTests"/>).</summary>
public static class BlockDomainCrashRecoveryTests
{
    /// <summary>`image create` killed at each of its crash points.</summary>
    public sealed class Create : CrashRecoveryTests
    {
        protected override string Kind => "block";

        [Theory]
        [MemberData(nameof(CreatePoints), MemberType = typeof(CrashRecoveryTests))]
        public Task A_crash_at_any_step_is_recovered_to_a_clean_domain(string point) => CrashAndRecoverAsync(point);
    }

    /// <summary>`snapshot create` killed at each of its crash points.</summary>
    public sealed class Snapshot : CrashRecoveryTests
    {
        protected override string Kind => "block";

        [Theory]
        [MemberData(nameof(SnapshotPoints), MemberType = typeof(CrashRecoveryTests))]
        public Task A_crash_at_any_step_is_recovered_to_a_clean_domain(string point) => CrashAndRecoverAsync(point);
    }

    /// <summary>`volume delete` killed at each of its crash points.</summary>
    public sealed class Delete : CrashRecoveryTests
    {
        protected override string Kind => "block";

        [Theory]
        [MemberData(nameof(DeletePoints), MemberType = typeof(CrashRecoveryTests))]
        public Task A_crash_at_any_step_is_recovered_to_a_clean_domain(string point) => CrashAndRecoverAsync(point);
    }

    /// <summary>`volume delete --wipe` killed at each of its crash points, the wipe's among them: recovery wipes again, then removes.</summary>
    public sealed class WipingDelete : CrashRecoveryTests
    {
        protected override string Kind => "block";

        protected override bool Wipe => true;

        [Theory]
        [MemberData(nameof(WipingDeletePoints), MemberType = typeof(CrashRecoveryTests))]
        public Task A_crash_at_any_step_is_recovered_to_a_clean_domain(string point) => CrashAndRecoverAsync(point);
    }

    /// <summary>`image merge` killed at each of its crash points.</summary>
    public sealed class Merge : CrashRecoveryTests
    {
        protected override string Kind => "block";

        [Theory]
        [MemberData(nameof(MergePoints), MemberType = typeof(CrashRecoveryTests))]
        public Task A_crash_at_any_step_is_recovered_to_a_clean_domain(string point) => CrashAndRecoverAsync(point);
    }

    /// <summary>`image copy` killed at each of its crash points.</summary>
    public sealed class Copy : CrashRecoveryTests
    {
        protected override string Kind => "block";

        [Theory]
        [MemberData(nameof(CopyPoints), MemberType = typeof(CrashRecoveryTests))]
        public Task A_crash_at_any_step_is_recovered_to_a_clean_domain(string point) => CrashAndRecoverAsync(point);
    }
}
