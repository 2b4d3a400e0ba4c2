using System.Security.Cryptography;
using System.Text;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Incidents;

/// <summary>
/// Groups alerts into incidents. Each alert names a chain of processes: its own, then
/// <c>atalaya.process.ancestry</c> (or only <c>process.parent</c> when that is all a socket's
/// event carried), cut at the first system process (pid 1, kthreadd, service managers, sshd,
/// login, cron, container shims). Two alerts belong to one incident when their chains share a
/// non-system process and they are less than the window apart (default 5 minutes); sharing a
/// process rather than comparing roots lets an alert that knows only its parent join one that
/// knows the whole ancestry. Pids are the link: a pid reused inside one window is the accepted
/// risk. Alerts without a process (a persistence file, an account) stay incidents of their own.
/// <para>
/// Incident score: the member alerts' scores read as independent probabilities and combined by
/// noisy-OR, 100·(1 − Π(1 − sᵢ/100)), plus DESIGN section 3's cross-domain bonus (+10 for every
/// domain beyond the first across the whole incident), capped at 100; "confirmed malicious" when
/// any member is.
/// </para>
/// </summary>
public sealed class IncidentCorrelator
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    private static readonly string[] DomainOrder = ["process", "network", "persistence", "file", "account"];

    // Processes that parent everything on a host: trees are cut below them.
    private static readonly HashSet<string> SystemNames = new(StringComparer.Ordinal)
    {
        "systemd", "init", "kthreadd", "sshd", "login", "agetty", "cron", "crond", "atd", "containerd-shim",
        "containerd-shim-runc-v2", "runc", "dockerd", "containerd", "su", "sudo", "systemd-logind", "tini", "dumb-init",
    };

    private readonly TimeSpan _window;

    public IncidentCorrelator(TimeSpan? window = null) => _window = window ?? DefaultWindow;

    public IReadOnlyList<Incident> Correlate(IEnumerable<EcsEvent> alerts)
    {
        var open = new List<Group>();
        var done = new List<Group>();
        foreach (var alert in alerts.Where(a => a.Event.Kind == EventKinds.Alert).OrderBy(StartOf))
        {
            var start = StartOf(alert);
            var chain = Chain(alert);
            for (var i = open.Count - 1; i >= 0; i--)
            {
                if (start - open[i].End > _window)
                {
                    done.Add(open[i]);
                    open.RemoveAt(i);
                }
            }

            var joined = chain.Count == 0 ? [] : open.Where(g => chain.Any(p => g.Pids.Contains(p.Pid))).ToList();
            var group = joined.Count > 0 ? joined[0] : new Group();
            foreach (var other in joined.Skip(1))
            {
                group.Absorb(other);
                open.Remove(other);
            }

            if (joined.Count == 0)
            {
                open.Add(group);
            }

            group.Add(alert, chain, start);
        }

        return [.. done.Concat(open).Select(Build).OrderBy(i => i.Start)];
    }

    /// <summary>The alert's own process then its ancestors, up to (not including) the first system process.</summary>
    public static IReadOnlyList<IncidentProcess> Chain(EcsEvent alert)
    {
        var chain = new List<IncidentProcess>();
        if (alert.Process is not { Pid: > 0 } process || IsSystem(process.Pid, process.Executable))
        {
            return chain;
        }

        chain.Add(new IncidentProcess(process.Pid, process.Executable));
        IEnumerable<IncidentProcess> ancestors = alert.Atalaya?.Process?.Ancestry is { Count: > 0 } ancestry
            ? ancestry.Select(a => new IncidentProcess(a.Pid, a.Executable))
            : process.Parent is { Pid: > 0 } parent ? [new IncidentProcess(parent.Pid, parent.Executable)] : [];
        foreach (var ancestor in ancestors)
        {
            if (IsSystem(ancestor.Pid, ancestor.Executable))
            {
                break;
            }

            chain.Add(ancestor);
        }

        return chain;
    }

    private static bool IsSystem(int pid, string? executable)
    {
        if (pid <= 2)
        {
            return true;
        }

        if (executable is null)
        {
            return false;
        }

        // The name only counts from a system directory: /tmp/x/sshd is exactly what an incident is about.
        var slash = executable.LastIndexOf('/');
        var directory = slash > 0 ? executable[..slash] : "";
        return directory is "/usr/sbin" or "/sbin" or "/usr/bin" or "/bin" or "/usr/lib/systemd" or "/lib/systemd"
            && SystemNames.Contains(executable[(slash + 1)..]);
    }

    private static DateTimeOffset StartOf(EcsEvent alert) => alert.Event.Start ?? alert.Timestamp;

    private static Incident Build(Group group)
    {
        var members = group.Alerts;
        var benign = members.Aggregate(1.0, (p, a) => p * (1 - (Math.Clamp(a.Event.RiskScore ?? 0, 0, 100) / 100.0)));
        var domains = members.SelectMany(a => a.Atalaya?.Evidence ?? [])
                             .Select(e => e.Domain).OfType<string>().Distinct(StringComparer.Ordinal)
                             .OrderBy(d => Array.IndexOf(DomainOrder, d) is var i && i < 0 ? int.MaxValue : i).ToList();
        var bonus = RiskScore.BonusPerExtraDomain * Math.Max(0, domains.Count - 1);
        var score = (int)Math.Clamp(Math.Round(Math.Round((100 * (1 - benign)) + bonus, 6), MidpointRounding.AwayFromZero), 0, 100);
        var confirmed = members.Any(a => a.Atalaya?.Verdict == Verdicts.ConfirmedMalicious);
        var timeline = members.SelectMany(a => (a.Atalaya?.Evidence ?? [])
                .Where(e => e.Domain is not null)
                .Select(e => new IncidentTimelineEntry(StartOf(a), e.Domain!, a.Process?.Pid, a.Process?.Executable, e.Signal, e.Detail, a.Atalaya?.AlertId ?? "")))
            .OrderBy(t => t.Timestamp)
            .ThenBy(t => Array.IndexOf(DomainOrder, t.Domain) is var i && i < 0 ? int.MaxValue : i)
            .ThenBy(t => t.Pid)
            .ToList();
        var first = members.OrderBy(StartOf).First();
        var firstId = first.Atalaya?.AlertId ?? first.Event.Id ?? "";
        return new Incident
        {
            Id = "in-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(firstId)).AsSpan(0, 12)),
            Root = group.Root,
            Start = members.Min(StartOf),
            End = members.Max(a => a.Timestamp),
            Score = score,
            Verdict = Verdicts.ForScore(score, confirmed),
            Severity = Verdicts.SeverityForScore(score)?.Word(),
            AlertIds = [.. members.Select(a => a.Atalaya?.AlertId ?? a.Event.Id ?? "").Distinct(StringComparer.Ordinal)],
            Domains = domains,
            Timeline = timeline,
        };
    }

    private sealed class Group
    {
        public HashSet<int> Pids { get; } = [];

        public List<EcsEvent> Alerts { get; } = [];

        public DateTimeOffset End { get; private set; } = DateTimeOffset.MinValue;

        /// <summary>Child pid → parent, from every chain: the links the members reported.</summary>
        private readonly Dictionary<int, IncidentProcess> _parents = [];

        private IncidentProcess? _first;

        /// <summary>
        /// The highest non-system process anyone named: up from the first alert's process through the
        /// links; bounded by the link count, so a loop from a reused pid cannot spin.
        /// </summary>
        public IncidentProcess? Root
        {
            get
            {
                var current = _first;
                for (var steps = 0; current is not null && steps <= _parents.Count && _parents.TryGetValue(current.Pid, out var parent); steps++)
                {
                    current = parent;
                }

                return current;
            }
        }

        public void Add(EcsEvent alert, IReadOnlyList<IncidentProcess> chain, DateTimeOffset start)
        {
            Alerts.Add(alert);
            Pids.UnionWith(chain.Select(p => p.Pid));
            var last = alert.Timestamp > start ? alert.Timestamp : start;
            End = last > End ? last : End;
            _first ??= chain.Count > 0 ? chain[0] : null;
            for (var i = 0; i + 1 < chain.Count; i++)
            {
                _parents.TryAdd(chain[i].Pid, chain[i + 1]);
            }
        }

        public void Absorb(Group other)
        {
            Alerts.AddRange(other.Alerts);
            Pids.UnionWith(other.Pids);
            End = other.End > End ? other.End : End;
            _first ??= other._first;
            foreach (var (child, parent) in other._parents)
            {
                _parents.TryAdd(child, parent);
            }
        }
    }
}
