// Most tests here wait (for lease timeouts, child processes, qemu and lvm) far more than they
// compute: on 2 cores four test classes at once take about half the wall time of xunit's default
// of one per core, with the machine still mostly idle. test.sh runs two test projects at once.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
