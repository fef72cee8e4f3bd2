namespace Sanpool.Agent.Api;

/// <summary>
/// Marks a connection accepted on the API's unix socket (set by a connection middleware of
/// that listener only). Its absence means TCP, or any other listener: a bearer token is required.
/// </summary>
internal sealed class UnixSocketConnection
{
    public static readonly UnixSocketConnection Instance = new();

    private UnixSocketConnection()
    {
    }
}
