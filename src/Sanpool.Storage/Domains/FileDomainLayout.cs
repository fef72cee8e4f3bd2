namespace Sanpool.Storage.Domains;

/// <summary>
/// Where everything of a file domain lives (VDSM's layout), under <c>&lt;mount&gt;/&lt;sdUUID&gt;/</c>:
/// <code>
/// dom_md/metadata     KEY=VALUE lines with the _SHA_CKSUM seal
/// dom_md/ids          the lockspace (name = sdUUID), one alignment area
/// dom_md/leases       resources; the SPM lease "SDM" at 1 x alignment
/// dom_md/inbox        16 MiB, sparse: the storage mailbox, requests to the SPM
/// dom_md/outbox       16 MiB, sparse: its replies
/// dom_md/xleases      1024 x alignment, sparse: external (VM) leases
/// master/vms, master/tasks     written only by the SPM
/// images/&lt;img&gt;/&lt;vol&gt;[.meta|.lease]
/// </code>
/// </summary>
public sealed record FileDomainLayout(string Mount, Guid Domain)
{
    public const long MailboxSize = 16L * 1024 * 1024;
    public const int LeasesSlots = 2048;
    public const int XleasesSlots = 1024;

    public string Root => Path.Combine(Mount, Domain.ToString());

    public string DomMd => Path.Combine(Root, "dom_md");

    public string Metadata => Path.Combine(DomMd, "metadata");

    public string Ids => Path.Combine(DomMd, "ids");

    public string Leases => Path.Combine(DomMd, "leases");

    public string Inbox => Path.Combine(DomMd, "inbox");

    public string Outbox => Path.Combine(DomMd, "outbox");

    public string Xleases => Path.Combine(DomMd, "xleases");

    public string Master => Path.Combine(Root, "master");

    public string Images => Path.Combine(Root, "images");

    public string Image(Guid image) => Path.Combine(Images, image.ToString());
}
