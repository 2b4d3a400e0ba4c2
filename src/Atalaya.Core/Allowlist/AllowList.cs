using System.Net;
using Atalaya.Core.Analytics;

namespace Atalaya.Core.Allowlist;

/// <summary>
/// The entries in force, read by the detection engine for every signal. Expiry is checked at
/// match time, so an entry re-arms by itself the moment its date passes; nothing has to delete it.
/// Built once and swapped whole when the store changes.
/// </summary>
public sealed class AllowList
{
    private readonly Dictionary<string, AllowEntry[]> _byExecutable;

    public AllowList(IEnumerable<AllowEntry> entries)
    {
        Entries = [.. entries];
        _byExecutable = Entries.GroupBy(e => e.Executable, StringComparer.Ordinal)
                               .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public static AllowList Empty { get; } = new([]);

    public IReadOnlyList<AllowEntry> Entries { get; }

    /// <summary>The entry that trusts this signal now, if any.</summary>
    public bool TryMatch(Signal signal, DateTimeOffset now, out AllowEntry? entry)
    {
        entry = null;
        if (_byExecutable.Count == 0
            || signal.Subject.Process?.Executable is not { Length: > 0 } executable
            || !_byExecutable.TryGetValue(executable, out var candidates))
        {
            return false;
        }

        foreach (var candidate in candidates)
        {
            if (!candidate.IsExpired(now) && Matches(candidate, signal))
            {
                entry = candidate;
                return true;
            }
        }

        return false;
    }

    private static bool Matches(AllowEntry entry, Signal signal)
    {
        var subject = signal.Subject;

        // A hash-pinned entry fails closed: an event without a hash could be a replaced binary.
        if (entry.Sha256 is { } hash
            && !string.Equals(hash, subject.Process?.Hash?.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (entry.RuleId is { } rule && !string.Equals(rule, signal.SourceId, StringComparison.Ordinal))
        {
            return false;
        }

        if (entry.DestinationIp is { } ip && !SameAddress(ip, subject.Destination?.Ip))
        {
            return false;
        }

        return entry.DestinationPort is not { } port || subject.Destination?.Port == port;
    }

    private static bool SameAddress(string listed, string? seen)
    {
        if (seen is null || !IPAddress.TryParse(listed, out var a) || !IPAddress.TryParse(seen, out var b))
        {
            return false;
        }

        a = a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
        b = b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b;
        return a.Equals(b);
    }
}
