namespace Sanpool.Bench;

/// <summary>
/// Ctrl-C for a suite that owns loop devices (and agents): the first one cancels the suite's
/// token, so that it stops after the step under way and its disposals detach what it attached;
/// a second one ends the process at once.
/// </summary>
internal static class CtrlC
{
    public static async Task RunAsync(string what, Func<CancellationToken, Task> suite)
    {
        using var stop = new CancellationTokenSource();
        void OnCtrlC(object? sender, ConsoleCancelEventArgs e)
        {
            // A second Ctrl-C ends the process at once (and leaves the loop devices attached).
            e.Cancel = !stop.IsCancellationRequested;
            stop.Cancel();
            Console.Error.WriteLine($"stopping after this {what}; the loop devices are detached on the way out ...");
        }

        Console.CancelKeyPress += OnCtrlC;
        try
        {
            await suite(stop.Token);
        }
        catch (Exception e) when (stop.IsCancellationRequested && e is not OperationCanceledException)
        {
            // The terminal's SIGINT reached the children under way (sanpool, lvm, qemu-img, agents) too.
            throw new OperationCanceledException("interrupted", e, stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCtrlC;
        }
    }
}
