namespace Atalaya.Platform.Linux.Persistence;

/// <summary>The values of <c>atalaya.persistence.kind</c> the Linux inventory produces.</summary>
public static class PersistenceKinds
{
    public const string Cron = "cron";
    public const string CronScript = "cron-script";
    public const string AtJob = "at-job";
    public const string SystemdUnit = "systemd-unit";
    public const string SystemdTimer = "systemd-timer";
    public const string SystemdEnablement = "systemd-enablement";
    public const string RcLocal = "rc-local";
    public const string InitScript = "init-script";
    public const string ShellProfile = "shell-profile";
    public const string ShellRc = "shell-rc";
    public const string XdgAutostart = "xdg-autostart";
    public const string AuthorizedKey = "authorized-key";
    public const string LdPreload = "ld-preload";
    public const string LdConfig = "ld-config";
    public const string UdevRule = "udev-rule";
    public const string Sudoers = "sudoers";
    public const string Pam = "pam";
    public const string KernelModuleLoaded = "kernel-module-loaded";
    public const string KernelModuleConfigured = "kernel-module-configured";
    public const string MotdScript = "motd-script";
}
