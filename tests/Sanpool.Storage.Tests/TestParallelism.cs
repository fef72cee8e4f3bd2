// Most tests here wait (for host-id leases, child processes, qemu-img and lvm) more than they
// compute: four test classes at once instead of xunit's one per core. Measured on 2 cores: the
// projects that run agents and TCG guests (Agent.Tests) or time the real sanlock (Interop) do
// not gain from it, and with them at four as well the machine ran out of CPU and their timed
// steps failed, so they keep the default. test.sh runs two test projects at once.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
