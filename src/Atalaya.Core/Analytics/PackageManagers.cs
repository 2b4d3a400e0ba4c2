namespace Atalaya.Core.Analytics;

/// <summary>
/// Package managers and the system manager: the processes expected to write system binaries, unit
/// files and /etc. While one of them runs, a package's files are briefly out of step with its recorded
/// digests (dpkg renames the new binary into place before it installs the new md5sums), so
/// verification of files they write is deferred to <c>atalaya scan</c> and sensitive-file analytics
/// score their writes lower.
/// </summary>
public static class PackageManagers
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "dpkg", "dpkg-deb", "dpkg-divert", "dpkg-statoverride", "dpkg-trigger", "apt", "apt-get", "aptitude",
        "unattended-upgr", "unattended-upgrade", "packagekitd", "rpm", "rpmkeys", "dnf", "yum", "microdnf",
        "zypper", "apk", "pacman", "snapd", "flatpak",
    };

    /// <summary>True when the process name (comm, up to 15 characters) or executable file name is a package manager.</summary>
    public static bool IsPackageManager(string? name, string? executable)
    {
        if (name is not null && Names.Contains(name))
        {
            return true;
        }

        if (executable is null)
        {
            return false;
        }

        var slash = executable.LastIndexOf('/');
        return Names.Contains(slash < 0 ? executable : executable[(slash + 1)..]);
    }
}
