namespace Atalaya.Platform.Linux.Accounts;

/// <summary>One syslog line of /var/log/auth.log: when, which host, which program (and pid), the message.</summary>
public sealed record SyslogLine(DateTimeOffset Timestamp, string Host, string Program, int? Pid, string Message);
