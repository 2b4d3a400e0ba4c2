using System.Buffers.Binary;
using System.Text;
using Atalaya.Platform.Linux.Accounts;

namespace Atalaya.Platform.Linux.Tests.Accounts;

public sealed class AccountParsersTests
{
    [Theory]
    // Lines of this machine's /etc/group.
    [InlineData("root:x:0:", "root", 0u, new string[0])]
    [InlineData("sudo:x:27:", "sudo", 27u, new string[0])]
    [InlineData("adm:x:4:syslog,ana", "adm", 4u, new[] { "syslog", "ana" })]
    [InlineData("wheel:x:10:ana,,bob \r", "wheel", 10u, new[] { "ana", "bob" })]
    public void Group_lines(string line, string name, uint gid, string[] members)
    {
        Assert.True(GroupParser.TryParseLine(line, out var entry));
        Assert.Equal((name, gid), (entry.Name, entry.Gid));
        Assert.Equal(members, entry.Members);
    }

    [Theory]
    [InlineData("sudo:x:27")]
    [InlineData("sudo:x:twenty:")]
    [InlineData(":x:1:")]
    [InlineData("+nis:::")]
    [InlineData("a:b:1:c:d")]
    public void Group_rejects_malformed(string line) => Assert.False(GroupParser.TryParseLine(line, out _));

    [Theory]
    // Field layout of this machine's /etc/shadow, with hashes replaced by shapes of real ones.
    [InlineData("root:*:20228:0:99999:7:::", PasswordState.None, 20228, 99999)]
    [InlineData("ana:$y$j9T$abcdefghijklmnop$qrstuvwxyz0123456789ABCDEFGHIJ:20230:0:99999:7:::", PasswordState.Set, 20230, 99999)]
    [InlineData("bob:!$6$salt$hash:20231:0:99999:7:::", PasswordState.Locked, 20231, 99999)]
    [InlineData("eve::20232::::::", PasswordState.Empty, 20232, null)]
    [InlineData("svc:!:::::::", PasswordState.Locked, null, null)]
    [InlineData("old:ab01234567890:19000:0:99999:7:::", PasswordState.Set, 19000, 99999)]
    public void Shadow_lines_keep_metadata_only(string line, PasswordState state, int? lastChangeDays, int? maxDays)
    {
        Assert.True(ShadowParser.TryParseLine(line, out var entry));
        Assert.Equal(state, entry.Password);
        Assert.Equal(lastChangeDays is { } d ? DateTimeOffset.UnixEpoch.AddDays(d) : null, entry.LastChanged);
        Assert.Equal(maxDays, entry.MaxDays);
        Assert.Null(entry.Expires);
        // The record has no field that could carry the hash.
        Assert.DoesNotContain("$", entry.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("root:*:20228:0:99999:7::")]
    [InlineData("root")]
    [InlineData(":*:1:0:99999:7:::")]
    public void Shadow_rejects_malformed(string line) => Assert.False(ShadowParser.TryParseLine(line, out _));

    [Fact]
    public void Group_file_skips_blank_lines_counts_malformed_ones_and_breaks_lines_at_newline_only()
    {
        // CRLF endings, a blank line, a NIS compat line, a non-numeric gid, and a form feed that libc keeps inside the line.
        const string text = "root:x:0:\r\n\n+:::\nsudo:x:27:ana,bob\nbad:x:zz:\nodd:x:5:a\fb\n";
        var groups = GroupParser.Parse(text, out var malformed);
        Assert.Equal(2, malformed);
        Assert.Equal(["root", "sudo", "odd"], groups.Select(g => g.Name));
        Assert.Equal([0u, 27u, 5u], groups.Select(g => g.Gid));
        Assert.Equal(["ana", "bob"], groups[1].Members);
        Assert.Equal(["a\fb"], groups[2].Members);
    }

    [Fact]
    public void Shadow_file_skips_blank_lines_and_counts_malformed_ones()
    {
        const string text = "root:!:19000:0:99999:7:::\r\n   \nshort:x:1\nana:$y$j9T$salt$hash:19500:0:90:7::20000:\n";
        var entries = ShadowParser.Parse(text, out var malformed);
        Assert.Equal(1, malformed);
        Assert.Equal(["root", "ana"], entries.Select(e => e.Name));
        Assert.Equal([PasswordState.Locked, PasswordState.Set], entries.Select(e => e.Password));
    }

    internal static byte[] Utmp(int type, int pid, string line, string user, string host, uint seconds, byte[]? address)
    {
        var record = new byte[UtmpParser.RecordSize];
        BinaryPrimitives.WriteInt32LittleEndian(record, type);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), pid);
        Encoding.UTF8.GetBytes(line).CopyTo(record, 8);
        Encoding.UTF8.GetBytes(user).CopyTo(record, 44);
        Encoding.UTF8.GetBytes(host).CopyTo(record, 76);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(340), seconds);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(344), 250_000);
        address?.CopyTo(record, 348);
        return record;
    }

    [Fact]
    public void Utmp_records_with_ipv4_ipv6_and_a_torn_tail()
    {
        var data = Utmp(7, 4242, "pts/0", "ana", "198.51.100.7", 1_750_000_000, [198, 51, 100, 7])
            .Concat(Utmp(2, 0, "~", "reboot", "6.18.44", 1_750_000_100, null))
            .Concat(new byte[UtmpParser.RecordSize])
            .Concat(Utmp(6, 9, "ssh:notty", "admin", "2001:db8::1", 1_750_000_200, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
            .Concat(new byte[100]).ToArray();

        var records = UtmpParser.Parse(data, out var trailing);

        Assert.Equal(100, trailing);
        Assert.Equal(3, records.Count);
        Assert.Equal(new UtmpRecord(7, 4242, "pts/0", "ana", "198.51.100.7", DateTimeOffset.FromUnixTimeSeconds(1_750_000_000).AddMilliseconds(250), "198.51.100.7"), records[0]);
        Assert.Equal((2, "reboot", (string?)null), (records[1].Type, records[1].User, records[1].Address));
        Assert.Equal(("admin", "2001:db8::1"), (records[2].User, records[2].Address));
        Assert.True(UtmpParser.IsZeroed(new byte[UtmpParser.RecordSize]));
        Assert.False(UtmpParser.TryParse(new byte[10], out _));
    }

    [Theory]
    [InlineData("2025-05-20T10:00:01.123456+00:00 vm sshd[812]: Accepted publickey for ana from 198.51.100.7 port 52814 ssh2: ED25519 SHA256:abc",
        "2025-05-20T10:00:01.1234560+00:00", "vm", "sshd", 812, "Accepted publickey for ana from 198.51.100.7 port 52814 ssh2: ED25519 SHA256:abc")]
    [InlineData("May  2 03:04:05 web01 sudo:      ana : TTY=pts/0 ; PWD=/home/ana ; USER=root ; COMMAND=/usr/bin/id",
        "2026-05-02T03:04:05.0000000+00:00", "web01", "sudo", null, "     ana : TTY=pts/0 ; PWD=/home/ana ; USER=root ; COMMAND=/usr/bin/id")]
    [InlineData("Dec 31 23:59:59 h CRON[1]: pam_unix(cron:session): session closed for user root",
        "2025-12-31T23:59:59.0000000+00:00", "h", "CRON", 1, "pam_unix(cron:session): session closed for user root")]
    public void Syslog_lines_in_both_formats(string line, string timestamp, string host, string program, int? pid, string message)
    {
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.True(SyslogLineParser.TryParse(line, now, out var parsed));
        Assert.Equal(new SyslogLine(DateTimeOffset.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), host, program, pid, message), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("Foo 20 10:00:01 h sshd[1]: x")]
    [InlineData("Feb 30 10:00:01 h sshd[1]: x")]
    [InlineData("2025-13-45T99:00:00Z h sshd[1]: x")]
    [InlineData("May 20 10:00:01 hostonly")]
    public void Syslog_rejects_malformed(string line) => Assert.False(SyslogLineParser.TryParse(line, DateTimeOffset.UnixEpoch.AddYears(56), out _));

    [Fact]
    public void Auth_messages_of_sshd_sudo_su_and_shadow_utils()
    {
        AuthRecord Parse(string program, string message)
        {
            Assert.True(AuthMessageParser.TryParse(program, message, out var record), message);
            return record;
        }

        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SshAccepted, Method = "publickey", User = "ana", SourceIp = "198.51.100.7", SourcePort = 52814 },
            Parse("sshd", "Accepted publickey for ana from 198.51.100.7 port 52814 ssh2: ED25519 SHA256:abc"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SshFailed, Method = "password", User = "admin", SourceIp = "203.0.113.9", SourcePort = 40022 },
            Parse("sshd", "Failed password for invalid user admin from 203.0.113.9 port 40022 ssh2"));
        // A user name made to look like the rest of the message: the last " from " is the real one.
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SshFailed, Method = "password", User = "x from 10.0.0.1 port 1", SourceIp = "2001:db8::5", SourcePort = 22 },
            Parse("sshd", "Failed password for invalid user x from 10.0.0.1 port 1 from 2001:db8::5 port 22 ssh2"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SshInvalidUser, User = "oracle", SourceIp = "203.0.113.9", SourcePort = 40100 },
            Parse("sshd", "Invalid user oracle from 203.0.113.9 port 40100"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SudoCommand, User = "ana", TargetUser = "root", Command = "/usr/bin/sh -c id ; whoami" },
            Parse("sudo", "    ana : TTY=pts/0 ; PWD=/home/ana ; USER=root ; COMMAND=/usr/bin/sh -c id ; whoami"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SudoFailed, User = "bob", TargetUser = "root", Command = "/usr/bin/id" },
            Parse("sudo", "     bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SuSession, User = "ana", TargetUser = "root" }, Parse("su", "(to root) ana on pts/0"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.SuFailed, User = "ana", TargetUser = "root" }, Parse("su", "FAILED SU (to root) ana on pts/0"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.UserAdded, User = "bob", Shell = "/bin/bash" },
            Parse("useradd", "new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.GroupAdded, Group = "bob" }, Parse("groupadd", "new group: name=bob, GID=1001"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.UserDeleted, User = "bob" }, Parse("userdel", "delete user 'bob'"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.GroupMemberAdded, User = "bob", Group = "sudo" }, Parse("usermod", "add 'bob' to group 'sudo'"));
        Assert.Equal(new AuthRecord { Kind = AuthRecordKind.PasswordChanged, User = "bob" }, Parse("passwd", "pam_unix(passwd:chauthtok): password changed for bob"));
    }

    [Theory]
    [InlineData("sshd", "Connection closed by authenticating user root 203.0.113.9 port 40022 [preauth]")]
    [InlineData("sshd", "Accepted password for ana from not-an-ip port 1 ssh2")]
    [InlineData("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by ana(uid=1000)")]
    [InlineData("su", "pam_unix(su:session): session opened")]
    [InlineData("CRON", "anything")]
    [InlineData("useradd", "new user: uid=5")]
    public void Other_messages_are_not_auth_records(string program, string message) =>
        Assert.False(AuthMessageParser.TryParse(program, message, out _));

    /// <summary>A <c>struct lastlog</c> record as glibc writes it on Linux.</summary>
    internal static byte[] Lastlog(int time, string line, string host)
    {
        var record = new byte[LastlogParser.RecordSize];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(record, time);
        System.Text.Encoding.ASCII.GetBytes(line).CopyTo(record, 4);
        System.Text.Encoding.ASCII.GetBytes(host).CopyTo(record, 36);
        return record;
    }

    [Fact]
    public void Lastlog_records_parse_and_an_empty_slot_means_never()
    {
        Assert.True(LastlogParser.TryParse(Lastlog(1_750_000_000, "pts/0", "198.51.100.7"), out var entry));
        Assert.Equal((DateTimeOffset.FromUnixTimeSeconds(1_750_000_000), "pts/0", "198.51.100.7"), (entry.Time!.Value, entry.Line, entry.Host));
        Assert.True(LastlogParser.TryParse(new byte[LastlogParser.RecordSize], out var never));
        Assert.Equal((null, "", ""), (never.Time, never.Line, never.Host));
        Assert.False(LastlogParser.TryParse(new byte[LastlogParser.RecordSize - 1], out _));

        // Hostile bytes: no terminator, invalid UTF-8, control characters.
        var hostile = Lastlog(-1, "", "");
        hostile.AsSpan(4).Fill(0xFF);
        Assert.True(LastlogParser.TryParse(hostile, out var odd));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue), odd.Time);
        Assert.Equal(32, odd.Line.Length);
    }
}
