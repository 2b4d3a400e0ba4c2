namespace Atalaya.Platform.Linux.Accounts;

/// <summary>One struct utmp record of wtmp/btmp/utmp (utmp(5)), with the fields an analyst reads.</summary>
public sealed record UtmpRecord(int Type, int Pid, string Line, string User, string Host, DateTimeOffset Time, string? Address)
{
    public const int BootTime = 2;
    public const int UserProcess = 7;
    public const int DeadProcess = 8;
}
