namespace Atalaya.Core.Baseline;

/// <summary>
/// A fact seen while learning but not yet promoted. <see cref="Sightings"/> counts distinct slots
/// (an hour of one learn run): the process table repeats every few seconds, so counting events would
/// promote everything in a minute; counting hours and runs needs the fact to recur.
/// </summary>
public sealed class BaselineCandidate
{
    public BaselineCandidate(BaselineKey key, int sightings, string lastSlot, DateTimeOffset firstSeen, DateTimeOffset lastSeen)
    {
        Key = key;
        Sightings = sightings;
        LastSlot = lastSlot;
        FirstSeen = firstSeen;
        LastSeen = lastSeen;
    }

    public BaselineKey Key { get; }

    public int Sightings { get; private set; }

    public string LastSlot { get; private set; }

    public DateTimeOffset FirstSeen { get; }

    public DateTimeOffset LastSeen { get; private set; }

    /// <summary>Counts a sighting when it falls in a slot not counted yet (slots only move forward).</summary>
    public void See(string slot, DateTimeOffset when)
    {
        if (!string.Equals(slot, LastSlot, StringComparison.Ordinal))
        {
            Sightings++;
            LastSlot = slot;
        }

        if (when > LastSeen)
        {
            LastSeen = when;
        }
    }
}
