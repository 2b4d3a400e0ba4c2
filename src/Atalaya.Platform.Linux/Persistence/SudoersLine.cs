namespace Atalaya.Platform.Linux.Persistence;

/// <summary>What a sudoers line does.</summary>
public enum SudoersLineKind
{
    UserSpec,
    Defaults,
    Alias,
    Include,
}

/// <summary>One logical sudoers(5) line.</summary>
public sealed record SudoersLine
{
    public required SudoersLineKind Kind { get; init; }

    /// <summary>The user, %group or alias a user spec is for; the included path for includes.</summary>
    public string? Principal { get; init; }

    /// <summary>The whole logical line, whitespace-collapsed.</summary>
    public required string Text { get; init; }

    /// <summary>The spec carries NOPASSWD: somewhere.</summary>
    public bool NoPassword { get; init; }

    /// <summary>The spec ends with the command ALL.</summary>
    public bool AllCommands { get; init; }
}
