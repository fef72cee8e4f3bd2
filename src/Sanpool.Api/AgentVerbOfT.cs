namespace Sanpool.Api;

/// <summary>A verb whose request is a <typeparamref name="TRequest"/> and whose reply is a <typeparamref name="TReply"/>.</summary>
public sealed class AgentVerb<TRequest, TReply> : AgentVerb
    where TRequest : notnull
{
    public AgentVerb(string name, string group, bool readOnly, string summary)
        : base(name, group, readOnly, summary)
    {
    }

    public override Type RequestType => typeof(TRequest);

    public override Type ReplyType => typeof(TReply);
}
