using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sanpool.Core;

namespace Sanpool.LeaseDaemon.Native;

/// <summary>
/// The process on the other end of a unix socket, as the kernel recorded it when that process
/// connected (SO_PEERCRED, struct ucred { pid_t pid; uid_t uid; gid_t gid; }, host byte order).
/// A client cannot lie about its pid, and the pid survives exec.
/// </summary>
internal readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        int length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length != ucred.Length)
        {
            throw new SanpoolException(LeaseDaemonErrors.Internal, $"SO_PEERCRED returned {length} bytes, expected 12");
        }

        return new PeerCredentials(
            MemoryMarshal.Read<int>(ucred),
            MemoryMarshal.Read<uint>(ucred[4..]),
            MemoryMarshal.Read<uint>(ucred[8..]));
    }
}
