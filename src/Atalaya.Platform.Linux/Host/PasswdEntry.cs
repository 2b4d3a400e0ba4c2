namespace Atalaya.Platform.Linux.Host;

/// <summary>One <c>/etc/passwd</c> line (passwd(5)): name:password:uid:gid:gecos:home:shell.</summary>
public sealed record PasswdEntry(string Name, uint Uid, uint Gid, string Gecos, string Home, string Shell);
