namespace Atalaya.Platform.Linux.Accounts;

/// <summary>What an auth.log message says happened.</summary>
public enum AuthRecordKind
{
    SshAccepted,
    SshFailed,
    SshInvalidUser,
    SudoCommand,
    SudoFailed,
    SuSession,
    SuFailed,
    UserAdded,
    UserDeleted,
    GroupAdded,
    GroupMemberAdded,
    PasswordChanged,
}

/// <summary>One authentication or account fact read from a syslog message.</summary>
public sealed record AuthRecord
{
    public required AuthRecordKind Kind { get; init; }

    public string? User { get; init; }

    public string? SourceIp { get; init; }

    public int? SourcePort { get; init; }

    /// <summary>password, publickey, keyboard-interactive/pam...</summary>
    public string? Method { get; init; }

    /// <summary>sudo's USER= or su's target.</summary>
    public string? TargetUser { get; init; }

    /// <summary>sudo's COMMAND=.</summary>
    public string? Command { get; init; }

    /// <summary>Group of GroupAdded / GroupMemberAdded; shell of UserAdded.</summary>
    public string? Group { get; init; }

    public string? Shell { get; init; }
}
