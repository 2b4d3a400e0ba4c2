using Atalaya.Core.Analytics;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;
using Atalaya.Platform.Linux.Audit;
using Atalaya.Platform.Linux.Tests.Detections;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Audit;

/// <summary>
/// SigmaHQ's auditd SYSCALL and PATH rules on what the audit sensor records for a real exec: a copy
/// of <c>true</c> run from a hidden directory under /tmp is a SYSCALL record whose exe is in /tmp and
/// a PATH record naming a hidden path; the same program from /usr/bin is neither.
/// </summary>
[Collection(KernelAuditCollection.Name)]
public sealed class AuditdSigmaAuditLiveTests
{
    private const string SuspiciousFolders = "a39d7fa7-3fbd-4dc2-97e1-d87f546b1bbc";
    private const string HiddenPath = "9e1bef8d-0fff-46f6-8465-9aa54e128c1e";

    [AuditCorpusFact]
    public async Task Syscall_and_path_rules_fire_on_an_exec_from_a_hidden_tmp_directory()
    {
        var rules = SigmaRuleSet.Create(Directory.EnumerateFiles(AuditdCorpusConnectorFactAttribute.AuditdDirectory()!, "*.yml", SearchOption.AllDirectories)
            .SelectMany(f => SigmaRuleLoader.Load(f, File.ReadAllText(f), SigmaRuleSource.External)));
        var before = AuditSession.TryReadStatus(out _)!.Value;
        using var dir = new TempDirectory();
        var hidden = Directory.CreateDirectory(dir.Combine(".hidden")).FullName;
        var copy = Path.Combine(hidden, "true");
        File.Copy("/usr/bin/true", copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Assert.StartsWith("/tmp/", copy, StringComparison.Ordinal);

        await using (var live = await LiveAudit.StartAsync([LiveAudit.ExecRule()]))
        {
            int suspicious;
            int benign;
            using (var run = SpawnedProcess.Start(copy, ["atalaya-auditd-sigma"]))
            {
                suspicious = run.Pid;
                Assert.True(run.WaitForExit(TimeSpan.FromSeconds(30)));
            }

            using (var run = SpawnedProcess.Start("/usr/bin/true", ["atalaya-auditd-sigma"]))
            {
                benign = run.Pid;
                Assert.True(run.WaitForExit(TimeSpan.FromSeconds(30)));
            }

            var exec = await Eventually.WaitForAsync(() => ExecOf(live, suspicious), e => e is not null, attempts: 100);
            var plain = await Eventually.WaitForAsync(() => ExecOf(live, benign), e => e is not null, attempts: 100);
            Assert.NotNull(exec);
            Assert.NotNull(plain);
            Assert.Equal(copy, exec.Process!.Executable);
            Assert.Contains(exec.Atalaya!.Audit!.Paths!, p => p.Name == copy && p.Nametype == "NORMAL");

            var fired = Fire(rules, exec);
            Assert.Contains(SuspiciousFolders, fired.Select(s => s.SourceId));
            Assert.Contains(HiddenPath, fired.Select(s => s.SourceId));
            Assert.Contains("auditd SYSCALL record", fired.Single(s => s.SourceId == SuspiciousFolders).Detail, StringComparison.Ordinal);
            Assert.Contains("auditd PATH record", fired.Single(s => s.SourceId == HiddenPath).Detail, StringComparison.Ordinal);
            var quiet = Fire(rules, plain).Select(s => s.SourceId).ToList();
            Assert.DoesNotContain(SuspiciousFolders, quiet);
            Assert.DoesNotContain(HiddenPath, quiet);
        }

        LiveAudit.AssertGivenBack(before);
    }

    private static EcsEvent? ExecOf(LiveAudit live, int pid) =>
        live.Events.FirstOrDefault(e => e.Event.Action == AuditEventMapper.ActionExec && e.Process?.Pid == pid);

    private static List<Signal> Fire(SigmaRuleSet rules, EcsEvent value)
    {
        var sink = new Sink();
        new SigmaAnalytic(rules).Observe(value, sink);
        return sink.Signals;
    }

    private sealed class Sink : ISignalSink
    {
        public List<Signal> Signals { get; } = [];

        public void Emit(Signal signal) => Signals.Add(signal);
    }
}

/// <summary>An <see cref="AuditFactAttribute"/> that also needs SigmaHQ's auditd rules beside the repository.</summary>
public sealed class AuditCorpusFactAttribute : FactAttribute
{
    public AuditCorpusFactAttribute()
    {
        Skip = new AuditFactAttribute().Skip
            ?? (AuditdCorpusConnectorFactAttribute.AuditdDirectory() is null ? "the SigmaHQ corpus (<repo>/../shared/sigma/rules/linux/auditd) is not on this machine" : null);
    }
}
