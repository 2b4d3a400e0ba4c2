namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// One journal entry as <c>journalctl -o json</c> prints it, reduced to what the auth parser needs.
/// <paramref name="SenderUid"/> is journald's trusted <c>_UID</c> (from the socket's credentials, not
/// from the message), null when absent; <paramref name="Program"/> is <c>SYSLOG_IDENTIFIER</c>, which
/// the sender chooses.
/// </summary>
public sealed record JournalEntry(DateTimeOffset Timestamp, string Host, string Program, int? Pid, string Message, uint? SenderUid, string? Comm)
{
    public SyslogLine ToSyslogLine() => new(Timestamp, Host, Program, Pid, Message);
}
