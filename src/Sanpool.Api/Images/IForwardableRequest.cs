namespace Sanpool.Api.Images;

/// <summary>A request for a verb only the SPM runs, which a host that is not SPM may forward to it when asked (<c>forward: true</c>).</summary>
public interface IForwardableRequest
{
    bool? Forward { get; }
}
