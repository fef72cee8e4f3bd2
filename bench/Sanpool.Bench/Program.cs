using Sanpool.Bench;

// Sanpool's benchmarks, each figure next to an anchor measured in the same run:
//   leases  - acquire + release and takeover against the real sanlock 3.8.5 (LeaseSuite);
//   storage - snapshot create, dump-volume-chains and domain check on a block domain against
//             bare lvm and qemu-img (StorageSuite);
//   pool    - SPM failover after kill -9 against host_dead, and snapshot create through the agent
//             against the library, the CLI and bare lvm + qemu-img, on a local pool (PoolSuite);
//   nbd     - Sanpool's NBD server against qemu-nbd serving the same file to qemu-img bench (NbdSuite).
//   thin    - the highest guest write rate with no ENOSPC pause, VDSM's extension policy against
//             the predictive one, simulated (ThinSuite; no root).
//   thin-measured - the same, measured: qemu-io writing through Sanpool's NBD server while the thin
//             monitor extends the LV through the real mailbox and lvextend (ThinMeasuredSuite).
//   mailbox - the storage mailbox's extension round trip for 1, 10 and 100 hosts against bare
//             lvextend (MailboxSuite).
//   engine  - sanpool-engine on real agents: a VM snapshot job against the agent's snapshot.create,
//             its disk list and chain reads on SQLite and PostgreSQL against their SELECTs, a
//             domain's reconciliation against one domain.volumes, failover against host_dead (EngineSuite).
// Needs root (loop devices, sanlock, lvm). Each suite prints Markdown and writes it under bench/results/.
var options = BenchOptions.Parse(args);
string root = Checkout.Root();
string work = Path.Combine("/tmp", $"sanpool-bench-{Environment.ProcessId}");
Directory.CreateDirectory(work);
try
{
    if (options.RunsLeases)
    {
        await LeaseSuite.RunAsync(options, root, Path.Combine(work, "leases"));
    }

    if (options.RunsStorage)
    {
        await StorageSuite.RunAsync(options, root, Path.Combine(work, "storage"));
    }

    if (options.RunsPool)
    {
        await PoolSuite.RunAsync(options, root, Path.Combine(work, "pool"));
    }

    if (options.RunsNbd)
    {
        await NbdSuite.RunAsync(options, root, Path.Combine(work, "nbd"));
    }

    if (options.RunsThin)
    {
        await ThinSuite.RunAsync(options, root);
    }

    if (options.RunsThinMeasured)
    {
        await ThinMeasuredSuite.RunAsync(options, root);
    }

    if (options.RunsMailbox)
    {
        await MailboxSuite.RunAsync(root, Path.Combine(work, "mailbox"));
    }

    if (options.RunsEngine)
    {
        await EngineSuite.RunAsync(options, root, Path.Combine(work, "engine"));
    }

    return 0;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("interrupted; nothing written");
    return 130;
}
finally
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
    }
}
