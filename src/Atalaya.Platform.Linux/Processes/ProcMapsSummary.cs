namespace Atalaya.Platform.Linux.Processes;

/// <summary>What <see cref="ProcMapsParser"/> found in one <c>/proc/[pid]/maps</c>.</summary>
public sealed record ProcMapsSummary
{
    /// <summary>Executable mappings with no backing file: anonymous, heap, stack, or a memfd.</summary>
    public required int AnonymousExecutableRegions { get; init; }

    /// <summary>Whether any executable mapping is also writable (rwx): classic shellcode staging.</summary>
    public required bool WritableExecutable { get; init; }

    /// <summary>Distinct mapped files under user-writable directories that look like shared objects.</summary>
    public required IReadOnlyList<string> WritablePathLibraries { get; init; }

    public required int Lines { get; init; }
}
