namespace Atalaya.Platform.Linux.Services;

/// <summary>
/// Compares two reads of the units' live state. Pure. A changed main pid alone is not a change (a
/// restart of a running service is routine); a changed program, unit file, enablement or active state
/// is. A unit that disappears is not reported here: unloaded units vanish from <c>systemctl show</c>
/// all the time (static units after they stop), and a removed unit file is the persistence inventory's event.
/// </summary>
public static class ServiceStateDiff
{
    public static List<ServiceChange> Compare(IReadOnlyDictionary<string, ServiceState> previous, IReadOnlyList<ServiceState> current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var changes = new List<ServiceChange>();
        foreach (var unit in current)
        {
            if (!previous.TryGetValue(unit.Id, out var before))
            {
                // Not-found units are names something asked for (a Wants= of an absent unit), not services.
                if (unit.LoadState != "not-found")
                {
                    changes.Add(new ServiceChange(unit.IsFailed ? ServiceChangeKind.Failed : ServiceChangeKind.Added, unit, null));
                }

                continue;
            }

            if (unit.IsFailed && !before.IsFailed)
            {
                changes.Add(new ServiceChange(ServiceChangeKind.Failed, unit, before));
            }
            else if (!string.Equals(unit.ExecStart, before.ExecStart, StringComparison.Ordinal)
                     || !string.Equals(unit.FragmentPath, before.FragmentPath, StringComparison.Ordinal)
                     || !string.Equals(unit.UnitFileState, before.UnitFileState, StringComparison.Ordinal)
                     || !string.Equals(unit.ActiveState, before.ActiveState, StringComparison.Ordinal)
                     || !string.Equals(unit.LoadState, before.LoadState, StringComparison.Ordinal))
            {
                changes.Add(new ServiceChange(ServiceChangeKind.Changed, unit, before));
            }
        }

        return changes;
    }
}
