using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Persistence;

/// <summary>
/// A small host tree made from files copied from this Debian 12 machine (cron.d, a timer, a unit, a
/// udev rule, ld.so.conf.d, pam.d, profile) plus the users the per-home places need.
/// </summary>
internal sealed class FakeEtcTree : IDisposable
{
    public const string E2scrubCron = "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r\n";

    public const string AptTimer = "[Unit]\nDescription=Daily apt upgrade and clean activities\nAfter=apt-daily.timer\n\n[Timer]\nOnCalendar=*-*-* 6:00\nRandomizedDelaySec=60m\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n";

    public const string E2scrubReap = "[Unit]\nDescription=Remove Stale Online ext4 Metadata Check Snapshots\n\n[Service]\nType=oneshot\nExecStart=/sbin/e2scrub_all -A -r\n\n[Install]\nWantedBy=default.target\n";

    public FakeEtcTree()
    {
        Root = new TempDirectory("atalaya-persist-");
        Write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nana:x:1000:1000:Ana,,,:/home/ana:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        Write("etc/cron.d/e2scrub_all", E2scrubCron);
        Write("etc/cron.daily/dpkg", "#!/bin/sh\n\n# Skip if systemd is running.\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n\n/usr/libexec/dpkg/dpkg-db-backup\n");
        Write("usr/lib/systemd/system/apt-daily-upgrade.timer", AptTimer);
        Write("usr/lib/systemd/system/e2scrub_reap.service", E2scrubReap);
        Directory.CreateDirectory(Root.Combine("etc/systemd/system/multi-user.target.wants"));
        File.CreateSymbolicLink(Root.Combine("etc/systemd/system/multi-user.target.wants/e2scrub_reap.service"), "/lib/systemd/system/e2scrub_reap.service");
        Write("lib/udev/rules.d/85-hwclock.rules", "# Set the System Time from the Hardware Clock and set the kernel's timezone\n# value to the local timezone when the kernel clock module is loaded.\n\nKERNEL==\"rtc0\", RUN+=\"/usr/lib/udev/hwclock-set $root/$name\"\n");
        Write("etc/ld.so.conf.d/x86_64-linux-gnu.conf", "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n");
        Write("etc/pam.d/common-auth", "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n");
        Write("etc/profile.d/01-locale-fix.sh", "# Make sure the locale variables are set to valid values.\neval $(/usr/bin/locale-check C.UTF-8)\n");
        Write("etc/update-motd.d/10-uname", "#!/bin/sh\nuname -snrvm\n");
        Write("root/.bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\nexport PS1='\\h:\\w\\$ '\numask 022\n");
        Write("home/ana/.profile", "if [ -n \"$BASH_VERSION\" ]; then\n    . \"$HOME/.bashrc\"\nfi\n");
        Write("usr/sbin/e2scrub_all", "#!/bin/sh\nexit 0\n");
        Write("usr/bin/test", "not really test\n");
    }

    public TempDirectory Root { get; }

    public string Path => Root.Path;

    public string Write(string relative, string content) => Root.WriteFile(relative, content);

    public void Delete(string relative) => File.Delete(Root.Combine(relative));

    public void Dispose() => Root.Dispose();
}
