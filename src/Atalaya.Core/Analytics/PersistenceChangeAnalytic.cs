using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// A persistence entry that appeared or changed after the agent's first inventory: a crontab line,
/// a unit, an authorized key, a preloaded library, a shell rc file... Alone it is low or medium
/// (administrators add cron jobs and keys every day); it scores up with what it points to: a
/// program in a user-writable or hidden place, a download-and-run command, an encoded payload, a
/// shell redirected to the network, or a program no package owns.
/// </summary>
/// <remarks>
/// Entries present at the first inventory are the baseline: the collector publishes them as state
/// (<c>persistence-present</c>) and this analytic ignores them, because their age is unknown. The
/// same aggravating checks on baseline entries are left to <c>atalaya scan</c> and the baseline work.
/// Removals are not scored: removing persistence is what cleanup does.
/// </remarks>
public sealed class PersistenceChangeAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.persistence-change";

    /// <summary>Base weight and technique per kind (values of atalaya.persistence.kind).</summary>
    private static readonly Dictionary<string, (int Weight, string Technique, string Words)> Kinds = new(StringComparer.Ordinal)
    {
        ["cron"] = (35, "T1053.003", "cron job"),
        ["cron-script"] = (35, "T1053.003", "periodic cron script"),
        ["at-job"] = (30, "T1053.002", "at job"),
        ["systemd-unit"] = (35, "T1543.002", "systemd unit"),
        ["systemd-timer"] = (35, "T1053.006", "systemd timer"),
        ["systemd-enablement"] = (30, "T1543.002", "enabled systemd unit"),
        ["rc-local"] = (40, "T1037.004", "rc.local boot script"),
        ["init-script"] = (35, "T1037", "init script"),
        ["motd-script"] = (40, "T1037", "login message (update-motd) script"),
        ["shell-profile"] = (35, "T1546.004", "system-wide shell startup file"),
        ["shell-rc"] = (30, "T1546.004", "user shell startup file"),
        ["xdg-autostart"] = (30, "T1547.013", "desktop autostart entry"),
        ["authorized-key"] = (40, "T1098.004", "SSH authorized key"),
        // A new preloaded library runs inside every program on the host: rare on purpose, rootkits use it.
        ["ld-preload"] = (65, "T1574.006", "library in /etc/ld.so.preload"),
        ["ld-config"] = (35, "T1574.006", "dynamic linker search path"),
        ["udev-rule"] = (35, "T1546.017", "udev rule that runs a program"),
        ["sudoers"] = (40, "T1548.003", "sudoers rule"),
        ["pam"] = (45, "T1556.003", "PAM configuration"),
        ["kernel-module-loaded"] = (45, "T1547.006", "loaded kernel module"),
        ["kernel-module-configured"] = (40, "T1547.006", "kernel module set to load at boot"),
    };

    public string Id => AnalyticId;

    public string Name => "New or changed persistence";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Configuration];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.Atalaya?.Persistence is not { Kind: { } kind } persistence
            || value.Event.Action is not ("persistence-added" or "persistence-changed")
            || value.File?.Path is not { Length: > 0 } path)
        {
            return;
        }

        var (weight, technique, words) = Kinds.GetValueOrDefault(kind, (30, "T1037", "persistence entry"));
        var added = value.Event.Action == "persistence-added";
        var what = persistence.Command is { Length: > 0 } command ? $" running `{Shorten(command)}`" : string.Empty;
        var owner = persistence.User is { Length: > 0 } user ? $" for {user}" : string.Empty;
        var verb = added ? "appeared" : "changed";
        var detail = $"a {words}{owner} {verb} in {path}{what}";
        if (kind == "sudoers" && persistence.Detail is { } grant)
        {
            detail += $" ({grant})";
            if (grant.StartsWith("any command without a password", StringComparison.Ordinal))
            {
                weight += 15;
            }
        }

        // A change to something already trusted is a little less telling than a new entry.
        Emit(signals, value, path, "entry", added ? weight : weight - 5, 0.9, [technique], detail);

        var target = persistence.TargetExecutable;
        if (target is { Length: > 0 })
        {
            if (PathClassifier.IsUserWritable(target))
            {
                Emit(signals, value, path, "user-writable-target", 50, 0.85, [technique],
                    $"it runs {target}, which lives in a place any user or service account can write to");
            }

            if (PathClassifier.HasHiddenDirectory(target) || PathClassifier.FileName(target).StartsWith('.'))
            {
                Emit(signals, value, path, "hidden-target", 50, 0.85, [Techniques.HiddenFilesAndDirectories],
                    $"it runs {target}, which is hidden (a name starting with a dot)");
            }

            if (persistence.TargetPackaged == false)
            {
                Emit(signals, value, path, "unpackaged-target", 35, 0.8, [technique],
                    $"{target} does not belong to any installed package");
            }
        }

        var text = persistence.Command;
        if (CommandPatterns.IsDownloadAndRun(text))
        {
            Emit(signals, value, path, "download-and-run", 75, 0.9, ["T1105", technique],
                "its command downloads something and runs it straight away");
        }

        if (CommandPatterns.HasEncodedPayload(text))
        {
            Emit(signals, value, path, "encoded-payload", 55, 0.85, ["T1027"],
                "its command carries or decodes a base64-encoded payload");
        }

        if (CommandPatterns.HasShellNetworkRedirect(text))
        {
            Emit(signals, value, path, "shell-network-redirect", 70, 0.9, ["T1059.004"],
                "its command connects a shell to the network through /dev/tcp or /dev/udp (a reverse shell)");
        }
    }

    private static string Shorten(string command) => command.Length <= 160 ? command : command[..157] + "...";

    private void Emit(ISignalSink signals, EcsEvent value, string path, string aspect, int weight, double confidence,
        IReadOnlyList<string> techniques, string detail) => signals.Emit(new Signal
    {
        SourceId = $"{Id}.{aspect}",
        SourceName = Name,
        EntityKey = EntityKeys.ForPersistence(path),
        Weight = weight,
        Confidence = confidence,
        Domain = SignalDomain.Persistence,
        Detail = detail,
        Techniques = techniques,
        Timestamp = value.Timestamp,
        Subject = value,
    });
}
