namespace Sanpool.Api;

/// <summary>
/// One verb of the agent's API as the contract names it: its name (the path <c>/v1/{name}</c>),
/// the group it is listed under, whether it only reads (then GET may run it too), and the types
/// of its request and reply. The typed form is <see cref="AgentVerb{TRequest, TReply}"/>; the
/// catalog of every verb is <see cref="AgentVerbs"/>.
/// </summary>
public abstract class AgentVerb
{
    private protected AgentVerb(string name, string group, bool readOnly, string summary)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(group);
        Name = name;
        Group = group;
        ReadOnly = readOnly;
        Summary = summary;
    }

    public string Name { get; }

    /// <summary>The endpoint group (and OpenAPI tag): host, pool, spm, tasks, structural, data path, vms, events.</summary>
    public string Group { get; }

    public bool ReadOnly { get; }

    public string Summary { get; }

    public abstract Type RequestType { get; }

    public abstract Type ReplyType { get; }

    public override string ToString() => Name;
}
