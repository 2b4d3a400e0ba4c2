namespace Atalaya.Core.Schema;

/// <summary>
/// <c>atalaya.account.*</c>: facts about a local account ECS has no name for. Password hashes are
/// never read into these fields: only whether a password is set, empty or locked, and when it changed.
/// </summary>
public sealed record AtalayaAccountFields
{
    public string? Shell { get; init; }

    public string? PreviousShell { get; init; }

    public string? Home { get; init; }

    /// <summary>The group a membership event is about (sudo, wheel, ...).</summary>
    public string? Group { get; init; }

    /// <summary>set, empty, locked or none (from /etc/shadow, never the hash itself).</summary>
    public string? PasswordState { get; init; }

    /// <summary>Last password change from /etc/shadow (a day, UTC midnight).</summary>
    public DateTimeOffset? PasswordChanged { get; init; }

    /// <summary>For authentication events: password, publickey, keyboard-interactive, ...</summary>
    public string? AuthMethod { get; init; }

    /// <summary>For sudo/su: the user the session runs as.</summary>
    public string? TargetUser { get; init; }

    /// <summary>For log tampering: records or bytes before the change.</summary>
    public long? PreviousRecords { get; init; }

    /// <summary>For log tampering: records or bytes now.</summary>
    public long? Records { get; init; }
}
