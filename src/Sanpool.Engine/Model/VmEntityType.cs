namespace Sanpool.Engine.Model;

/// <summary><c>vm_static.entity_type</c>, stored as its name ('VM' or 'TEMPLATE').</summary>
public enum VmEntityType
{
    VM,
    TEMPLATE,
}
