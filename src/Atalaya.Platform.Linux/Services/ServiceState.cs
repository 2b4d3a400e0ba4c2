namespace Atalaya.Platform.Linux.Services;

/// <summary>The live state of one unit as <c>systemctl show</c> reports it.</summary>
/// <param name="ExecStart">The first command's <c>path=</c> (the program started), null for units without one.</param>
/// <param name="Result">Why the unit last stopped or failed: success, exit-code, signal, core-dump, timeout...</param>
public sealed record ServiceState(string Id, string? LoadState, string? ActiveState, string? SubState, string? UnitFileState, int? MainPid,
    string? FragmentPath, string? ExecStart, string? Result = null)
{
    public bool IsFailed => ActiveState == "failed";

    /// <summary>The facts an analyst compares between two reads, in one line: <c>active/running, enabled, main pid 612</c>.</summary>
    public string Describe() =>
        $"{ActiveState ?? "?"}/{SubState ?? "?"}, {UnitFileState ?? "no unit file state"}"
        + (MainPid is { } pid ? $", main pid {pid}" : "")
        + (Result is { } result && result != "success" ? $", result {result}" : "");
}
