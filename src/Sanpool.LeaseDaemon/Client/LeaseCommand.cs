using Sanpool.Core;
using Sanpool.LeaseDaemon.Native;

namespace Sanpool.LeaseDaemon.Client;

/// <summary>
/// <c>lease command -r RES... -c PROG ARGS...</c>, as sanlock's <c>client command</c>: register,
/// acquire, then exec the program in place of this process. The program keeps our pid and
/// inherits the registered socket, so to the daemon the program IS the client: its leases are
/// released when it exits, it is the process killed when fencing, and nothing stands between.
/// </summary>
public static class LeaseCommand
{
    /// <summary>
    /// Does not return on success (this process becomes <paramref name="program"/>). If the
    /// acquire fails, throws its error; if exec fails, releases and throws EXEC_FAILED.
    /// </summary>
    public static async Task ExecAsync(string runDirectory, IReadOnlyList<string> resources, AcquireOptions? options,
        string program, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (resources.Count == 0)
        {
            throw CommonErrors.Invalid("command needs at least one -r resource");
        }

        var client = await LeaseDaemonClient.ConnectAsync(runDirectory, cancellationToken).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            await client.RegisterAsync(null, cancellationToken).ConfigureAwait(false);
            await client.AcquireAsync(resources, (options ?? AcquireOptions.Default) with { Pid = null }, cancellationToken).ConfigureAwait(false);
            int errno = Posix.KeepAcrossExec((int)client.SocketHandle);
            if (errno == 0)
            {
                await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                await Console.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
                errno = Posix.Exec(program, args);
            }

            // Still here: exec failed. Release explicitly rather than rely on the close, so the
            // caller learns whether the release worked.
            await client.ReleaseAsync([], null, cancellationToken).ConfigureAwait(false);
            throw new SanpoolException(LeaseDaemonErrors.ExecFailed, $"cannot run {program}: {Posix.Describe(errno)}; the resources were released");
        }
    }
}
