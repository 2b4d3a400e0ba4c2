namespace Atalaya.Core.Schema;

/// <summary>ECS <c>process.*</c>. The parent is the same shape, usually with fewer fields set.</summary>
public sealed record ProcessFields
{
    public int Pid { get; init; }

    /// <summary>Stable across pid reuse: derived from boot id, pid and start time.</summary>
    public string? EntityId { get; init; }

    public string? Name { get; init; }

    public string? Executable { get; init; }

    public string? CommandLine { get; init; }

    public IReadOnlyList<string>? Args { get; init; }

    public int? ArgsCount { get; init; }

    public string? WorkingDirectory { get; init; }

    public DateTimeOffset? Start { get; init; }

    public DateTimeOffset? End { get; init; }

    /// <summary>ECS: the effective user (euid).</summary>
    public UserFields? User { get; init; }

    /// <summary>ECS <c>process.real_user.*</c>: the real user (ruid).</summary>
    public UserFields? RealUser { get; init; }

    /// <summary>ECS <c>process.group.*</c>: the effective group (egid).</summary>
    public GroupFields? Group { get; init; }

    /// <summary>ECS <c>process.real_group.*</c>: the real group (rgid).</summary>
    public GroupFields? RealGroup { get; init; }

    /// <summary>ECS <c>process.session_leader.*</c>: only the pid is filled (the session id).</summary>
    public ProcessFields? SessionLeader { get; init; }

    /// <summary>ECS <c>process.tty.*</c>: the controlling terminal, absent when there is none.</summary>
    public TtyFields? Tty { get; init; }

    /// <summary>ECS <c>process.env_vars</c>: only the variables the agent watches (LD_PRELOAD, LD_LIBRARY_PATH), as KEY=VALUE.</summary>
    public IReadOnlyList<string>? EnvVars { get; init; }

    public HashFields? Hash { get; init; }

    public ProcessFields? Parent { get; init; }
}

/// <summary>ECS <c>*.hash.*</c>.</summary>
public sealed record HashFields
{
    public string? Sha256 { get; init; }
}

/// <summary>ECS <c>user.*</c> (also <c>process.user.*</c>).</summary>
public sealed record UserFields
{
    public string? Id { get; init; }

    public string? Name { get; init; }
}

/// <summary>ECS <c>group.*</c> (also <c>process.group.*</c>, <c>process.real_group.*</c>).</summary>
public sealed record GroupFields
{
    public string? Id { get; init; }

    public string? Name { get; init; }
}

/// <summary>ECS <c>process.tty.*</c>.</summary>
public sealed record TtyFields
{
    public CharDeviceFields? CharDevice { get; init; }
}

/// <summary>ECS <c>process.tty.char_device.*</c>: the device numbers of the terminal (136 = /dev/pts).</summary>
public sealed record CharDeviceFields
{
    public long? Major { get; init; }

    public long? Minor { get; init; }
}
