namespace Atalaya.Core.Baseline;

/// <summary>What a baseline item describes.</summary>
public enum BaselineKind
{
    /// <summary>An executable path with its SHA-256 (<c>-</c> when the hash is not known).</summary>
    Executable,

    /// <summary>A parent executable starting a child executable.</summary>
    ParentChild,

    /// <summary>An executable connecting to a /24 (IPv4) or /64 (IPv6) on a port.</summary>
    Destination,

    /// <summary>An executable listening on a port.</summary>
    Listener,

    /// <summary>A persistence entry (cron line, systemd unit, ...) and what it runs.</summary>
    Persistence,
}

/// <summary>One fact of normal behaviour; <see cref="Value"/> is canonical text, readable as it is in <c>baseline diff</c>.</summary>
public readonly record struct BaselineKey(BaselineKind Kind, string Value)
{
    public override string ToString() => $"{BaselineKinds.Name(Kind)} {Value}";
}

/// <summary>Stable names of the kinds, as stored and printed.</summary>
public static class BaselineKinds
{
    public static string Name(BaselineKind kind) => kind switch
    {
        BaselineKind.Executable => "executable",
        BaselineKind.ParentChild => "parent-child",
        BaselineKind.Destination => "destination",
        BaselineKind.Listener => "listener",
        BaselineKind.Persistence => "persistence",
        _ => "unknown",
    };

    public static bool TryParse(string? text, out BaselineKind kind)
    {
        foreach (var candidate in Enum.GetValues<BaselineKind>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
