namespace Atalaya.Platform.Linux.Accounts;

/// <summary>One /etc/group line (group(5)): name:password:gid:member,member.</summary>
public sealed record GroupEntry(string Name, uint Gid, IReadOnlyList<string> Members);
