// Three test classes at once instead of xunit's one per core (2 here). Most classes here wait
// more than they compute: for a dead SPM's leases (host_dead, 68 s at the real bound in
// CrashTests, FreezeTests and StorageLossTests), for agents to start and elect, for tasks.
// The classes that boot a TCG guest stay one at a time (OneGuestAtATime), so at most one
// guest keeps a core busy. At four, with the other test projects beside it, the 2 cores ran
// out and timed steps failed (Pool.Tests' TestParallelism.cs).
[assembly: CollectionBehavior(MaxParallelThreads = 3)]
[assembly: TestCollectionOrderer("Sanpool.Agent.Tests.LongestFirst", "Sanpool.Agent.Tests")]
