namespace Atalaya.Cli.Hosting;

/// <summary>Where the store lives: --data-dir, then ATALAYA_DATA_DIR, then the config file, then the default.</summary>
internal static class DataDirectory
{
    public const string EnvironmentVariable = "ATALAYA_DATA_DIR";

    public static string Resolve(string? option, AgentConfig config)
    {
        var environment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        var chosen = option ?? (string.IsNullOrEmpty(environment) ? null : environment) ?? config.DataDir ?? Default();
        return Path.GetFullPath(chosen);
    }

    /// <summary>/var/lib/atalaya as root (a system service), else the user's XDG data folder.</summary>
    public static string Default()
    {
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root")
        {
            return "/var/lib/atalaya";
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : xdg, "atalaya");
    }
}
