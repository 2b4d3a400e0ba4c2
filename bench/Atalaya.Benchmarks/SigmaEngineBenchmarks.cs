using Atalaya.Core.Analytics;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;
using BenchmarkDotNet.Attributes;

namespace Atalaya.Benchmarks;

/// <summary>
/// Process events through every loaded Sigma rule (210 SigmaHQ Linux rules + the shipped pack):
/// one operation = one event evaluated by all process_creation rules. Non-matching events must not
/// allocate; matching ones allocate their signal and explanation.
/// </summary>
[MemoryDiagnoser]
public class SigmaEngineBenchmarks
{
    private SigmaAnalytic _analytic = null!;
    private EcsEvent _benign = null!;
    private EcsEvent _benignLong = null!;
    private EcsEvent _malicious = null!;
    private CountingSink _sink = null!;

    /// <summary>Off evaluates every rule (the engine before the prefilter), in the same run.</summary>
    [Params(false, true)]
    public bool Prefilter { get; set; } = true;

    [GlobalSetup]
    public void Setup()
    {
        _analytic = new SigmaAnalytic(SigmaRuleFolders.Load(SigmaRuleFolders.ReadAll()), Prefilter);
        _sink = new CountingSink();
        _benign = Process("/usr/bin/python3", "/usr/bin/python3 /usr/lib/command-not-found -- gti", "/usr/bin/bash", "-bash");
        _benignLong = Process("/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
            "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx2g -Djava.awt.headless=true -classpath /opt/app/lib/a.jar:/opt/app/lib/b.jar:/opt/app/lib/c.jar:/opt/app/lib/d.jar com.example.server.Main --config /etc/app/server.yaml --port 8080",
            "/usr/lib/systemd/systemd", "/sbin/init splash");
        _malicious = Process("/usr/bin/dash", "sh -c echo ZWNobyBoaQ== | base64 -d | sh ; sleep 30", "/usr/bin/bash", "bash");
    }

    /// <summary>The three events, for the throughput mode.</summary>
    public IEnumerable<(string Name, EcsEvent Value)> Events() => [("short", _benign), ("java", _benignLong), ("matching", _malicious)];

    [Benchmark(Baseline = true, Description = "non-matching process event (short command line)")]
    public void NonMatching() => _analytic.Observe(_benign, _sink);

    [Benchmark(Description = "non-matching process event (java, 250-char command line)")]
    public void NonMatchingLong() => _analytic.Observe(_benignLong, _sink);

    [Benchmark(Description = "matching process event (base64 piped to sh: several rules fire)")]
    public void Matching() => _analytic.Observe(_malicious, _sink);

    private static EcsEvent Process(string executable, string commandLine, string parent, string parentCommandLine) => new()
    {
        Timestamp = DateTimeOffset.UnixEpoch,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start] },
        Process = new ProcessFields
        {
            Pid = 4242,
            EntityId = "bench-4242",
            Name = Path.GetFileName(executable),
            Executable = executable,
            CommandLine = commandLine,
            // Real exec events carry argv; the auditd rules read their EXECVE record from it.
            Args = commandLine.Split(' '),
            ArgsCount = commandLine.Split(' ').Length,
            WorkingDirectory = "/home/user",
            User = new UserFields { Id = "1000", Name = "user" },
            Parent = new ProcessFields { Pid = 100, Executable = parent, CommandLine = parentCommandLine },
        },
    };

    private sealed class CountingSink : ISignalSink
    {
        public long Count { get; private set; }

        public void Emit(Signal signal) => Count++;
    }
}

/// <summary>Reading is outside the measurement: parse and compile of the whole corpus (225 files).</summary>
[MemoryDiagnoser]
public class SigmaLoadBenchmarks
{
    private List<(string Path, string Text)> _files = null!;

    [GlobalSetup]
    public void Setup() => _files = SigmaRuleFolders.ReadAll();

    [Benchmark(Description = "load + compile 210 SigmaHQ rules + shipped pack")]
    public int LoadCorpus() => SigmaRuleFolders.Load(_files).Rules.Count;
}
