using System.Diagnostics;
using Atalaya.Core.Analytics;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Processes;
using Atalaya.Platform.Linux.Tests.Processes;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Detections;

/// <summary>
/// SigmaHQ's auditd EXECVE rules on real commands seen by the process connector (no audit
/// subsystem needed: the EXECVE record is presented from the exec's argv). The commands block on
/// their standard input, which the test holds open, so their argv is read before they exit; closing
/// it ends them. Each rule has a benign twin that must not fire.
/// </summary>
public sealed class AuditdSigmaLiveTests
{
    private const string FindCredentials = "df3fcaea-2715-4214-99c5-0056ea59eb35";
    private const string SystemInfoDiscovery = "f34047d9-20d3-4e8b-8672-0a35cc50dc71";
    private const string DataCompressed = "a3b5e3e9-1b49-4119-8b8e-0344a01f21ee";

    [AuditdCorpusConnectorFact]
    public async Task SigmaHQ_auditd_execve_rules_fire_on_real_commands_and_their_benign_twins_do_not()
    {
        var rules = LoadAuditdRules();
        var events = new EventCollector();
        using var cts = new CancellationTokenSource();
        var collector = NetlinkProcessCollectorTests.Create();
        var run = collector.RunAsync(events, cts.Token);
        var started = new List<Process>();
        try
        {
            await Eventually.WaitForAsync(() => events.Find("process-running", Environment.ProcessId), e => e is not null);

            // argv[0] as a shell passes it ("grep", not "/usr/bin/grep"): the rules compare a0 exactly.
            var cases = new (string[] Argv, string? Rule)[]
            {
                (["grep", "password"], FindCredentials),
                (["grep", "vmx"], SystemInfoDiscovery),
                (["gzip", "-k"], DataCompressed),
                (["grep", "hello"], null),
                (["gzip", "-c"], null),
            };
            foreach (var (argv, _) in cases)
            {
                started.Add(StartBlockedOnStdin(argv));
            }

            for (var i = 0; i < cases.Length; i++)
            {
                var pid = started[i].Id;
                var exec = await Eventually.WaitForAsync(
                    () => events.Events.FirstOrDefault(e => e.Process?.Pid == pid && e.Process.Args is { Count: > 0 } && e.Event.Action != "process-ended"),
                    e => e is not null);
                Assert.True(exec is not null, $"no exec event with argv for {string.Join(' ', cases[i].Argv)} (pid {pid})");
                Assert.Equal(cases[i].Argv, exec!.Process!.Args!);
            }

            var fired = new Dictionary<int, List<Signal>>();
            for (var i = 0; i < cases.Length; i++)
            {
                fired[i] = SignalsFor(rules, events, started[i].Id);
            }

            Assert.Contains(FindCredentials, fired[0].Select(s => s.SourceId));
            Assert.Contains(SystemInfoDiscovery, fired[1].Select(s => s.SourceId));
            Assert.Contains(DataCompressed, fired[2].Select(s => s.SourceId));
            Assert.Empty(fired[3]);
            Assert.Empty(fired[4]);

            // The alert text names the record and the argument that matched, and credits the author.
            var signal = fired[1].Single(s => s.SourceId == SystemInfoDiscovery);
            Assert.Contains("auditd EXECVE record", signal.Detail, StringComparison.Ordinal);
            Assert.Contains("vmx", signal.Detail, StringComparison.Ordinal);
            Assert.NotNull(signal.Rule?.Author);
        }
        finally
        {
            foreach (var process in started)
            {
                Stop(process);
            }

            await cts.CancelAsync();
            await run;
        }
    }

    private static SigmaRuleSet LoadAuditdRules()
    {
        var directory = AuditdCorpusConnectorFactAttribute.AuditdDirectory()!;
        var results = Directory.EnumerateFiles(directory, "*.yml", SearchOption.AllDirectories)
            .SelectMany(f => SigmaRuleLoader.Load(f, File.ReadAllText(f), SigmaRuleSource.External));
        var set = SigmaRuleSet.Create(results);
        Assert.True(set.RulesFor(SigmaEventKind.Auditd).Count >= 50, $"only {set.RulesFor(SigmaEventKind.Auditd).Count} auditd rules compiled");
        return set;
    }

    /// <summary>Every Sigma signal over the events of one pid so far (a fresh analytic each time).</summary>
    private static List<Signal> SignalsFor(SigmaRuleSet rules, EventCollector events, int pid)
    {
        var analytic = new SigmaAnalytic(rules);
        var sink = new Sink();
        foreach (var value in events.Events.Where(e => e.Process?.Pid == pid))
        {
            analytic.Observe(value, sink);
        }

        return sink.Signals;
    }

    private static Process StartBlockedOnStdin(string[] argv)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in argv.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {argv[0]}");
    }

    /// <summary>End of input ends the command; if it does not, SIGKILL to this pid only.</summary>
    private static void Stop(Process process)
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(5_000))
            {
                process.Kill(entireProcessTree: false);
                process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }
        finally
        {
            process.Dispose();
        }
    }

    private sealed class Sink : ISignalSink
    {
        public List<Signal> Signals { get; } = [];

        public void Emit(Signal signal) => Signals.Add(signal);
    }
}

/// <summary>Needs the process connector and SigmaHQ's auditd rules beside the repository (<c>../shared/sigma</c>).</summary>
public sealed class AuditdCorpusConnectorFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> SkipReason = new(() =>
        AuditdDirectory() is null ? "the SigmaHQ corpus (<repo>/../shared/sigma/rules/linux/auditd) is not on this machine"
        : NetlinkProcessCollector.Probe(new NetlinkProcessCollectorOptions(), out var reason) ? null
        : $"proc connector unavailable: {reason}");

    public AuditdCorpusConnectorFactAttribute()
    {
        if (SkipReason.Value is { } reason)
        {
            Skip = reason;
        }
    }

    public static string? AuditdDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")))
        {
            dir = dir.Parent;
        }

        if (dir?.Parent is null)
        {
            return null;
        }

        var auditd = Path.Combine(dir.Parent.FullName, "shared", "sigma", "rules", "linux", "auditd");
        return Directory.Exists(auditd) ? auditd : null;
    }
}
