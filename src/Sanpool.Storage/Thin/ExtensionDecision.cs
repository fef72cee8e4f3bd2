namespace Sanpool.Storage.Thin;

/// <summary>
/// The outcome of one <see cref="ExtensionPolicy.Decide"/>: what to do, where the write
/// threshold goes (the offset whose crossing means "extend now"), the size to ask for when
/// extending, and the free space and write rate the decision was made with (for logs).
/// </summary>
public readonly record struct ExtensionDecision(ExtensionAction Action, long Threshold, long NewSize, long FreeWanted, double Rate);
