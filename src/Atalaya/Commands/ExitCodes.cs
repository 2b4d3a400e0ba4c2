namespace Atalaya.Cli.Commands;

/// <summary>Exit codes of every verb (DESIGN section 6).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>scan: findings at or above the threshold.</summary>
    public const int Findings = 1;

    public const int Error = 2;
}
