namespace Atalaya.Platform.Linux.Services;

/// <summary>The live state of one unit as <c>systemctl show</c> reports it.</summary>
public sealed record ServiceState(string Id, string? LoadState, string? ActiveState, string? SubState, string? UnitFileState, int? MainPid,
    string? FragmentPath, string? ExecStart);
