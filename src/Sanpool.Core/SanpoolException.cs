namespace Sanpool.Core;

/// <summary>
/// The one exception base of Sanpool. It carries a stable <see cref="ErrorCode"/> and says
/// whether retrying the same operation may succeed (<see cref="IsTransient"/>).
/// </summary>
public class SanpoolException : Exception
{
    public SanpoolException(ErrorCode code, string message, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        IsTransient = isTransient;
    }

    public ErrorCode Code { get; }

    public bool IsTransient { get; }

    /// <summary>One line: the code's name and number, then the message.</summary>
    public string OneLine => Code.OneLine(Message);
}
