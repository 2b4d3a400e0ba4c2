namespace Atalaya.Platform.Linux.Accounts;

/// <summary>The state of a password from /etc/shadow's second field; the hash itself is never kept.</summary>
public enum PasswordState
{
    /// <summary>A hash is set: password login works.</summary>
    Set,

    /// <summary>Empty field: login without any password (where PAM's nullok allows it).</summary>
    Empty,

    /// <summary>'!' prefix: locked by passwd -l or usermod -L (a hash may follow).</summary>
    Locked,

    /// <summary>'*' or another value that no hash can match: no password login at all (service accounts).</summary>
    None,
}

/// <summary>
/// Metadata of one /etc/shadow line (shadow(5)). Deliberately has no field for the hash: the parser
/// classifies the password field and drops it, so no hash can reach an event, a log or a test output.
/// </summary>
public sealed record ShadowEntry(string Name, PasswordState Password, DateTimeOffset? LastChanged, int? MaxDays, DateTimeOffset? Expires);
