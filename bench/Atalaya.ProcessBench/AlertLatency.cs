using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Atalaya.Core.Analytics;
using Atalaya.Core.Analytics.Network;
using Atalaya.Core.Baseline;
using Atalaya.Core.Detection;
using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Intel;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;
using Atalaya.Core.Storage;
using Atalaya.Core.Yara;
using Atalaya.Platform.Linux;
using Atalaya.Platform.Linux.Hashing;
using Atalaya.Platform.Linux.Host;
using Atalaya.Platform.Linux.Packages;
using Atalaya.Platform.Linux.Processes;
using Atalaya.Platform.Linux.Yara;

/// <summary>
/// exec→alert latency of the masquerade rule (issue 4: p95 ≤ 50 ms). The agent's path is assembled
/// in-process as <c>atalaya run</c> builds it: the netlink process sensor (constructed as LinuxPlatform
/// does, or every collector of LinuxPlatform.Create with <c>alert-agent</c>) feeding the real
/// <see cref="AgentPipeline"/> (bounded queues, ProcessTableEnricher) and the real
/// <see cref="DetectionEngine"/> with everything DetectionSetup and RunCommand put in it (built-in analytics
/// with the rules/catalogs, the shipped Sigma rules, first-seen, threat intel, YARA, baseline learning).
/// A copy of /usr/bin/sleep named <c>sshd</c> under a temp directory (the catalog says sshd lives in
/// /usr/sbin or /sbin) is spawned one at a time; each spawn's alert is found by pid and argument.
/// </summary>
/// <remarks>
/// Times per spawn, all on CLOCK_MONOTONIC (Stopwatch on Linux):
/// <list type="bullet">
/// <item>exec: the kernel's timestamp of the exec event, carried by the event (and the alert's
/// <c>event.start</c>) as wall time; converted back with the realtime−monotonic offset measured here.</item>
/// <item>published: the sensor handing the exec event to the pipeline (a pass-through wrapper around
/// each collector's publisher, which also times exec events of the bench's own binaries).</item>
/// <item>raised: the engine returned the alert: the pipeline's <c>ALERT</c> log line, which <c>run</c>
/// prints on the console at once. This is the alert in the issue's sense.</item>
/// <item>stored: the alert handed to the store's <c>Append</c> (an in-memory store here): what
/// <c>atalaya alerts</c>, incidents and the dashboard read, minus SQLite's own commit time.</item>
/// </list>
/// The log line carries no pid; the k-th ALERT line and the k-th alert the store receives are the same
/// alert (one consumer publishes it to the store queue, then logs it), checked by its summary.
/// </remarks>
internal static class AlertLatency
{
    private const int Spawns = 200;
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ChildLife = TimeSpan.FromMilliseconds(300);

    public static void Run(LinuxHostInfo host, bool everySensor)
    {
        var label = everySensor ? "alert-agent (every collector of `run`)" : "alert (process sensor only)";
        var loadBefore = LoadAverage();
        var engine = EngineSetup.Create(FindRulesFolder(), out var engineDescription);
        using var work = new WorkDirectory();
        using var sensors = everySensor
            ? LinuxPlatform.Create(new LinuxPlatformOptions
            {
                // As SensorFactory.Options with the default config (ATALAYA_AUDIT=off turns audit off, as for `run`).
                ProcessInterval = TimeSpan.FromSeconds(1),
                NetworkInterval = TimeSpan.FromSeconds(1),
                Audit = !string.Equals(Environment.GetEnvironmentVariable("ATALAYA_AUDIT"), "off", StringComparison.OrdinalIgnoreCase),
                DataDirectory = work.Data,
                PackageDigestCachePath = Path.Combine(work.Data, "package-md5.cache"),
            }, TimeProvider.System)
            : null;

        // Without every sensor: the process sensor exactly as LinuxPlatform.Create builds it when the probe succeeds.
        IReadOnlyList<IEventCollector> collectors = sensors?.Collectors
            ?? [new NetlinkProcessCollector(new NetlinkProcessCollectorOptions { Packages = new DpkgDatabase(), PreferKernelProgram = Environment.GetEnvironmentVariable("ATALAYA_BENCH_KERNEL") != "0" }, TimeProvider.System, host,
                new ExecutableHashCache(), new UserNameResolver(), new GroupNameResolver())];
        var connector = collectors.OfType<NetlinkProcessCollector>().FirstOrDefault();
        if (connector is null)
        {
            Console.WriteLine($"{label}: the process sensor is not the netlink connector here ({sensors?.ProcessSensorFallbackReason}); nothing measured");
            return;
        }

        var sensorLatencies = new ConcurrentQueue<long>();
        var measuring = false;
        connector.ExecLatencyObserver = ns =>
        {
            if (Volatile.Read(ref measuring))
            {
                sensorLatencies.Enqueue(ns);
            }
        };

        var published = new ConcurrentDictionary<int, long>();
        var sink = new AlertSink();
        var raised = new ConcurrentQueue<(long At, string Line)>();
        var logs = new ConcurrentQueue<string>();
        var pipeline = new AgentPipeline(
            [.. collectors.Select(c => new TimedCollector(c, work.Root, published))],
            engine,
            new ProcessTableEnricher(),
            sink,
            new PipelineOptions(),
            TimeProvider.System,
            "alertbench",
            line =>
            {
                var at = Stopwatch.GetTimestamp();
                if (line.StartsWith("ALERT ", StringComparison.Ordinal))
                {
                    raised.Enqueue((at, line));
                }
                else
                {
                    logs.Enqueue(line);
                }
            });

        Console.WriteLine($"{label}: engine: {engineDescription}");
        using var stop = new CancellationTokenSource();
        var running = pipeline.RunAsync(stop.Token);
        var spawned = new List<Spawn>();
        var passes = new List<(string Name, int First, int Count)>();
        double offsetDrift;
        long offset;
        try
        {
            var settle = Settle(pipeline, connector);
            Console.WriteLine($"{label}: started in {settle.TotalSeconds:F1} s (initial /proc walk and inventories analysed); sensors: "
                + string.Join(", ", collectors.Select(c => $"{c.Name}={c.Sensor}")));
            offset = RealtimeMinusMonotonic();
            Volatile.Write(ref measuring, true);

            // Pass 1: a never-seen binary per exec (own path, own content): the hash cache and YARA's
            // per-content cache miss every time, as for an intruder's fresh binary.
            var fresh = Enumerable.Range(0, Spawns).Select(i => work.CopySleep(Path.Combine(work.Root, i.ToString("D3", CultureInfo.InvariantCulture), "sshd"), tag: i)).ToList();
            Thread.Sleep(1000);
            passes.Add(("a fresh binary per exec", spawned.Count, Spawns));
            spawned.AddRange(SpawnAll(fresh, pass: 0));
            WaitForAlerts(sink, spawned, TimeSpan.FromSeconds(5));

            // Pass 2: one binary executed again and again (caches warm after the first exec).
            var shared = work.CopySleep(Path.Combine(work.Root, "same", "sshd"), tag: -1);
            Thread.Sleep(1000);
            passes.Add(("one binary, repeated", spawned.Count, Spawns));
            spawned.AddRange(SpawnAll(Enumerable.Repeat(shared, Spawns).ToList(), pass: 1));
            WaitForAlerts(sink, spawned, TimeSpan.FromSeconds(5));
            Volatile.Write(ref measuring, false);
            offsetDrift = (RealtimeMinusMonotonic() - offset) / 1e6;
        }
        finally
        {
            stop.Cancel();
            running.GetAwaiter().GetResult();
            foreach (var spawn in spawned)
            {
                Reap(spawn.Process);
            }
        }

        var loadAfter = LoadAverage();
        var matches = Match(raised.ToArray(), sink.Alerts.ToArray(), spawned, offset, published, out var pairing);
        foreach (var (name, first, count) in passes)
        {
            Report($"{label}, {name}", spawned.GetRange(first, count), matches, sink);
        }

        var sensorSorted = sensorLatencies.Order().ToArray();
        var status = pipeline.GetStatus();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  connector, every exec on the host while measuring ({sensorSorted.Length}): exec→event out (published, or offered to the audit merge) p50 {Ms(sensorSorted, 0.5)} p99 {Ms(sensorSorted, 0.99)} max {Ms(sensorSorted, 1)}; "
            + $"connector lost(ENOBUFS)={connector.Counters.Get("lost")} kernel_drops={connector.Counters.Get("kernel_drops")} partial={connector.Counters.Get("partial")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  pipeline: {status.EventsPublished:N0} events in, {status.EventsProcessed:N0} analysed, {status.EventsDropped:N0} dropped, {status.AlertsRaised:N0} alerts; {pairing}; "
            + $"realtime−monotonic drift over the run {offsetDrift:F3} ms"));
        foreach (var collector in collectors.Where(c => c.Name == "syscall"))
        {
            var c = collector.Counters;
            Console.WriteLine($"  audit: {collector.Sensor}; exec_merged={c.Get("exec_merged")} exec_alone={c.Get("exec_alone")} exec_completed={c.Get("exec_completed")} exec_late_dropped={c.Get("exec_late_dropped")}");
        }

        foreach (var line in logs.Take(10))
        {
            Console.WriteLine("  pipeline log: " + line);
        }

        Console.WriteLine($"  load average before {loadBefore}, after {loadAfter}; {Environment.ProcessorCount} cpus");
    }

    /// <summary>Waits for the start-up work (initial /proc walk, inventories) to be analysed, so it is not in the measurement.</summary>
    private static TimeSpan Settle(AgentPipeline pipeline, NetlinkProcessCollector connector)
    {
        var clock = Stopwatch.StartNew();
        var quietSince = TimeSpan.MaxValue;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(100);
            var status = pipeline.GetStatus();
            var backlog = status.EventsPublished - status.EventsProcessed;
            if (connector.TableCount == 0 || clock.Elapsed < TimeSpan.FromSeconds(2) || backlog > 16)
            {
                quietSince = TimeSpan.MaxValue;
                continue;
            }

            quietSince = quietSince == TimeSpan.MaxValue ? clock.Elapsed : quietSince;
            if (clock.Elapsed - quietSince >= TimeSpan.FromSeconds(1))
            {
                break;
            }
        }

        return clock.Elapsed;
    }

    /// <summary>One at a time, <see cref="Spacing"/> apart; each with its own argument (the sleep's length, unique per spawn).</summary>
    private static List<Spawn> SpawnAll(IReadOnlyList<string> binaries, int pass)
    {
        var result = new List<Spawn>(binaries.Count);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < binaries.Count; i++)
        {
            var due = start + (long)(i * Spacing.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }

            // sleep's argument is its length: 0.3 s plus a unique number of microseconds.
            var arg = (ChildLife.TotalSeconds + (pass * 1000 + i) / 1e6).ToString("F6", CultureInfo.InvariantCulture);
            var info = new ProcessStartInfo(binaries[i], [arg]) { UseShellExecute = false };
            var call = Stopwatch.GetTimestamp();
            var process = StartRetryingBusyText(info);
            var returned = Stopwatch.GetTimestamp();
            result.Add(new Spawn(binaries[i], arg, process.Id, call, returned, process));
        }

        return result;
    }

    /// <summary>A just-written binary can be ETXTBSY for a moment when another thread's fork holds its write descriptor.</summary>
    private static Process StartRetryingBusyText(ProcessStartInfo info)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return Process.Start(info)!;
            }
            catch (Win32Exception ex) when (ex.NativeErrorCode == 26 && attempt < 5)
            {
                Thread.Sleep(10);
            }
        }
    }

    private static void WaitForAlerts(AlertSink sink, List<Spawn> spawned, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var pids = spawned.Select(s => s.Pid).ToHashSet();
        while (clock.Elapsed < limit)
        {
            var alerted = sink.Alerts.Select(a => a.Alert.Process?.Pid ?? 0).Where(pids.Contains).Distinct().Count();
            if (alerted >= pids.Count)
            {
                return;
            }

            Thread.Sleep(100);
        }
    }

    private static void Reap(Process process)
    {
        try
        {
            if (!process.WaitForExit(TimeSpan.FromSeconds(2)))
            {
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    /// <summary>For each spawn, its first masquerade alert (pid and argument), with when it was raised and stored.</summary>
    private static Dictionary<Spawn, Matched> Match(
        (long At, string Line)[] raised, (long At, EcsEvent Alert)[] stored, List<Spawn> spawned, long offset,
        ConcurrentDictionary<int, long> published, out string pairing)
    {
        var mismatched = 0;
        for (var k = 0; k < Math.Min(raised.Length, stored.Length); k++)
        {
            if (!raised[k].Line.EndsWith(": " + stored[k].Alert.Atalaya?.Summary, StringComparison.Ordinal))
            {
                mismatched++;
            }
        }

        pairing = raised.Length == stored.Length && mismatched == 0
            ? $"ALERT lines paired with stored alerts: {stored.Length}/{stored.Length}"
            : $"WARNING: {raised.Length} ALERT lines, {stored.Length} stored alerts, {mismatched} summaries differ (raise times unreliable)";
        var byPid = spawned.ToLookup(s => s.Pid);
        var result = new Dictionary<Spawn, Matched>();
        for (var k = 0; k < stored.Length; k++)
        {
            var alert = stored[k].Alert;
            if (alert.Process is not { } process || !IsMasquerade(alert))
            {
                continue;
            }

            foreach (var spawn in byPid[process.Pid])
            {
                var args = process.Args ?? [];
                if (result.ContainsKey(spawn) || !(args.Contains(spawn.Arg) || (process.CommandLine?.Contains(spawn.Arg, StringComparison.Ordinal) ?? false)))
                {
                    continue;
                }

                var exec = alert.Event.Start ?? alert.Timestamp;
                result[spawn] = new Matched(
                    Kernel: UnixNs(exec) - offset,
                    Published: published.TryGetValue(spawn.Pid, out var at) ? at : null,
                    Raised: k < raised.Length ? raised[k].At : null,
                    Stored: stored[k].At,
                    Summary: alert.Atalaya?.Summary ?? string.Empty);
            }
        }

        return result;
    }

    private static bool IsMasquerade(EcsEvent alert) =>
        alert.Rule?.Id?.StartsWith(MasqueradeAnalytic.AnalyticId, StringComparison.Ordinal) == true
        || alert.Atalaya?.Evidence?.Any(e => e.Signal.StartsWith(MasqueradeAnalytic.AnalyticId, StringComparison.Ordinal)) == true;

    private static void Report(string label, List<Spawn> spawns, Dictionary<Spawn, Matched> matches, AlertSink sink)
    {
        var found = spawns.Where(matches.ContainsKey).Select(s => (Spawn: s, M: matches[s])).ToList();
        Console.WriteLine($"{label}: {spawns.Count} spawns ({Spacing.TotalMilliseconds:F0} ms apart), {found.Count} with a masquerade alert"
            + (found.Count == spawns.Count ? " (all)" : $" ({spawns.Count - found.Count} MISSING)"));
        if (found.Count > 0)
        {
            Console.WriteLine($"  e.g. pid {found[0].Spawn.Pid}: {found[0].M.Summary}");
        }

        // Every alert about these processes (a re-score of the same process raises its alert again).
        var pids = spawns.Select(s => s.Pid).ToHashSet();
        var rules = sink.Alerts.Where(a => pids.Contains(a.Alert.Process?.Pid ?? 0))
            .GroupBy(a => $"{a.Alert.Event.RiskScore} ({string.Join(" + ", a.Alert.Atalaya?.Evidence?.Where(e => e.Weight > 0).Select(e => e.Signal) ?? [])})")
            .OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} × score {g.Key}");
        Console.WriteLine($"  alerts about these processes: {string.Join(", ", rules)}");

        Line("exec (kernel) → alert raised (ALERT line)", found.Where(f => f.M.Raised is not null).Select(f => f.M.Raised!.Value - f.M.Kernel));
        Line("exec (kernel) → event published by the sensor", found.Where(f => f.M.Published is not null).Select(f => f.M.Published!.Value - f.M.Kernel));
        Line("event published → alert raised (queue + engine)", found.Where(f => f.M.Published is not null && f.M.Raised is not null).Select(f => f.M.Raised!.Value - f.M.Published!.Value));
        Line("exec (kernel) → alert handed to the store", found.Select(f => f.M.Stored - f.M.Kernel));
        Line("Process.Start call → alert raised", found.Where(f => f.M.Raised is not null).Select(f => f.M.Raised!.Value - f.Spawn.CallAt));
        Line("Process.Start call → returned", spawns.Select(s => s.ReturnedAt - s.CallAt));

        // The clock conversion is right when the kernel's exec time is after the Process.Start call began. It can
        // be after the call returned: the parent wakes when exec closes the child's close-on-exec pipe, and the
        // connector's event is stamped later in the same exec (after the image is loaded), so a preempted child
        // stamps it late.
        var before = found.Count(f => f.M.Kernel < f.Spawn.CallAt);
        var after = found.Where(f => f.M.Kernel > f.Spawn.ReturnedAt).Select(f => f.M.Kernel - f.Spawn.ReturnedAt).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  clock check: kernel exec time before the Process.Start call {before}/{found.Count} (must be 0); during it {found.Count - before - after.Count}; "
            + $"after it returned {after.Count}{(after.Count > 0 ? $" (by at most {after.Max() / 1e6:F2} ms)" : "")}"));

        foreach (var missing in spawns.Where(s => !matches.ContainsKey(s)).Take(10))
        {
            Console.WriteLine($"  no alert for pid {missing.Pid} ({missing.Path} {missing.Arg}): {WhyNoAlert(missing, sink)}");
        }
    }

    private static string WhyNoAlert(Spawn spawn, AlertSink sink)
    {
        if (!sink.ProcessEvents.TryGetValue(spawn.Pid, out var events))
        {
            return "no process event for this pid reached the store (lost by the sensor, or the pipeline dropped it)";
        }

        var exec = events.FirstOrDefault(e => e.Process?.Args?.Contains(spawn.Arg) == true || e.Process?.Executable == spawn.Path);
        if (exec is null)
        {
            var first = events.First();
            return $"events for the pid but none with its argument or executable: first {first.Event.Action} exe={first.Process?.Executable ?? "(none)"} partial={first.Atalaya?.Partial}";
        }

        return $"{exec.Event.Action} exe={exec.Process?.Executable ?? "(none)"} args={string.Join(' ', exec.Process?.Args ?? [])} partial={exec.Atalaya?.Partial}; "
            + "the event reached the engine but no masquerade alert was raised";
    }

    private static void Line(string what, IEnumerable<long> nanoseconds)
    {
        var sorted = nanoseconds.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-50} p50 {Ms(sorted, 0.5),9} p95 {Ms(sorted, 0.95),9} p99 {Ms(sorted, 0.99),9} max {Ms(sorted, 1),9} (n={sorted.Length})"));
    }

    private static string Ms(long[] sortedNs, double quantile)
    {
        if (sortedNs.Length == 0)
        {
            return "n/a";
        }

        var index = Math.Clamp((int)Math.Ceiling(quantile * sortedNs.Length) - 1, 0, sortedNs.Length - 1);
        return string.Create(CultureInfo.InvariantCulture, $"{sortedNs[index] / 1e6:F2} ms");
    }

    /// <summary>
    /// CLOCK_REALTIME minus CLOCK_MONOTONIC in ns, from the tightest of several bracketed reads. NTP slews
    /// both clocks alike, so the offset only moves on a step of the wall clock (checked at the end).
    /// </summary>
    private static long RealtimeMinusMonotonic()
    {
        var best = long.MaxValue;
        var offset = 0L;
        for (var i = 0; i < 50; i++)
        {
            var before = Stopwatch.GetTimestamp();
            var wall = UnixNs(DateTimeOffset.UtcNow);
            var after = Stopwatch.GetTimestamp();
            if (after - before < best)
            {
                best = after - before;
                offset = wall - (before + (after - before) / 2);
            }
        }

        return offset;
    }

    private static long UnixNs(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>The rules/ folder of the source tree (the agent finds it the same way under dotnet run).</summary>
    private static string FindRulesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "rules")))
            {
                return Path.Combine(dir.FullName, "rules");
            }
        }

        throw new InvalidOperationException($"no rules folder above {AppContext.BaseDirectory}");
    }

    private sealed record Spawn(string Path, string Arg, int Pid, long CallAt, long ReturnedAt, Process Process);

    private sealed record Matched(long Kernel, long? Published, long? Raised, long Stored, string Summary);

    /// <summary>
    /// The engine as DetectionSetup.CreateEngine builds it for <c>run</c> with the default config on a
    /// fresh data directory: no baseline yet, learning on (baseline.learnDays 3), no intel files, YARA
    /// from rules/yara when libyara loads. Learning keeps its candidates in memory here (the agent saves
    /// them to SQLite every 10 minutes, off the event path).
    /// </summary>
    private static class EngineSetup
    {
        public static DetectionEngine Create(string rules, out string description)
        {
            var catalog = SystemBinaryCatalog.Parse(File.ReadAllText(Path.Combine(rules, "catalogs", "system-binaries.yml")));
            var processes = ProcessBehaviourCatalog.Parse(File.ReadAllText(Path.Combine(rules, "catalogs", "process-behaviour.yml")));
            var ports = PortCatalog.Parse(File.ReadAllText(Path.Combine(rules, "catalogs", "ports.yml")));
            var sigma = SigmaRuleSet.Create(Directory.EnumerateFiles(Path.Combine(rules, "sigma"), "*", SearchOption.AllDirectories)
                .Where(p => (p.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                    && !p.EndsWith(".cases.yaml", StringComparison.OrdinalIgnoreCase) && !p.EndsWith(".cases.yml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .SelectMany(p => SigmaRuleLoader.Load(p, File.ReadAllText(p), SigmaRuleSource.Shipped)));

            var baseline = BaselineSet.Empty;
            var dampener = new BaselineSignalDampener(baseline);
            var firstSeen = new FirstSeenAnalytic(baseline);
            var memory = new MemoryBaselineStore();
            var learning = new BaselineRunLearning(memory, memory, new BaselineOptions { PromoteAfter = 3 }, TimeSpan.FromDays(3), TimeProvider.System);
            var intel = new ThreatIntelAnalytic(IndicatorSet.Empty);
            var yara = YaraCompiler.CompileFolder(Path.Combine(rules, "yara"));
            IAnalytic[] optional = [intel, .. yara.Rules is { RuleCount: > 0 } yaraRules ? [new YaraAnalytic(yaraRules)] : Array.Empty<IAnalytic>(), learning];
            var builtIn = BuiltInAnalytics.Create(catalog, processes, ports, internalNetworks: InternalNetworks.None);
            var engine = new DetectionEngine([.. builtIn, new SigmaAnalytic(sigma), firstSeen, .. optional], new RiskScorer(), TimeProvider.System)
            {
                // As DetectionSetup: learning is on, so the (empty) baseline's dampener is applied.
                AdjustSignal = dampener.Apply,
            };
            description = $"{builtIn.Count} built-in analytics (rules/catalogs), Sigma {sigma.Count(SigmaLoadStatus.Ok)} rules loaded"
                + $" ({sigma.Count(SigmaLoadStatus.Error)} errors), first-seen, threat intel (0 indicators), "
                + (yara.UnavailableReason is { } why ? $"YARA unavailable ({why})" : $"YARA {yara.RuleCount} rules") + ", baseline learning";
            return engine;
        }
    }

    private sealed class MemoryBaselineStore : IBaselineStore, IBaselineLearningWindowStore
    {
        private IReadOnlyCollection<BaselineCandidate> _candidates = [];
        private BaselineLearningWindow? _window;

        public IReadOnlyList<BaselineCandidate> LoadCandidates() => [.. _candidates];

        public void SaveCandidates(IReadOnlyCollection<BaselineCandidate> candidates) => _candidates = candidates;

        public IReadOnlyList<BaselineVersion> ListVersions() => [];

        public BaselineSet? LoadVersion(int number) => null;

        public BaselineVersion AddVersion(IReadOnlyCollection<BaselineKey> items, string note, DateTimeOffset created) =>
            throw new NotSupportedException("the benchmark never ends a learning period");

        public BaselineLearningWindow? LoadLearningWindow() => _window;

        public void SaveLearningWindow(BaselineLearningWindow window) => _window = window;
    }

    /// <summary>
    /// The bench's store: records when each alert is handed to it (the writer thread's Append), and the
    /// process events, to say why a spawn had no alert. Nothing is written anywhere.
    /// </summary>
    private sealed class AlertSink : IEventStore
    {
        public ConcurrentQueue<(long At, EcsEvent Alert)> Alerts { get; } = new();

        public ConcurrentDictionary<int, List<EcsEvent>> ProcessEvents { get; } = new();

        public void Append(IReadOnlyList<EcsEvent> batch)
        {
            var at = Stopwatch.GetTimestamp();
            foreach (var value in batch)
            {
                if (value.Event.Kind == EventKinds.Alert)
                {
                    Alerts.Enqueue((at, value));
                }
                else if (value.Process is { } process && value.Event.Category.Contains(EventCategories.Process))
                {
                    var list = ProcessEvents.GetOrAdd(process.Pid, _ => []);
                    lock (list)
                    {
                        list.Add(value);
                    }
                }
            }
        }

        public IReadOnlyList<EcsEvent> QueryAlerts(AlertQuery query) => [];

        public IReadOnlyList<EcsEvent> QueryEvents(EventQuery query) => [];

        public void SaveStatus(AgentStatus status)
        {
        }

        public AgentStatus? LoadStatus() => null;

        public StoreStatistics GetStatistics() => new(0, 0, 0, 0);

        public long DeleteEventsBefore(DateTimeOffset cutoff) => 0;

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// A collector unchanged, except that its publisher notes when a process start/exec of a binary under
    /// the bench's directory is handed to the pipeline (first per pid). One StartsWith per process event.
    /// </summary>
    private sealed class TimedCollector(IEventCollector inner, string directory, ConcurrentDictionary<int, long> published) : IEventCollector
    {
        public string Name => inner.Name;

        public string Sensor => inner.Sensor;

        public CollectorCounters Counters => inner.Counters;

        public Task RunAsync(IEventPublisher output, CancellationToken cancellationToken) =>
            inner.RunAsync(new TimedPublisher(output, directory, published), cancellationToken);

        private sealed class TimedPublisher(IEventPublisher output, string directory, ConcurrentDictionary<int, long> published) : IEventPublisher
        {
            public void Publish(EcsEvent value)
            {
                if (value.Process is { Executable: { } exe } process && value.Event.Type.Contains(EventTypes.Start)
                    && exe.StartsWith(directory, StringComparison.Ordinal))
                {
                    published.TryAdd(process.Pid, Stopwatch.GetTimestamp());
                }

                output.Publish(value);
            }
        }
    }

    /// <summary>/tmp/atalaya-alertbench-PID-RANDOM: the binaries and (alert-agent) the data directory; deleted on dispose.</summary>
    private sealed class WorkDirectory : IDisposable
    {
        public WorkDirectory()
        {
            Root = Path.Combine(Path.GetTempPath(), $"atalaya-alertbench-{Environment.ProcessId}-{Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal)}");
            Directory.CreateDirectory(Root);
            Data = Path.Combine(Root, "data");
            Directory.CreateDirectory(Data);
        }

        public string Root { get; }

        public string Data { get; }

        /// <summary>/usr/bin/sleep copied (with its mode) to <paramref name="path"/>; a tag ≥ 0 appends bytes (ignored by the loader) so the content is unique.</summary>
        public string CopySleep(string path, int tag)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy("/usr/bin/sleep", path);
            if (tag >= 0)
            {
                using var stream = new FileStream(path, FileMode.Append);
                stream.Write(BitConverter.GetBytes(tag));
            }

            return path;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException ex)
            {
                Console.WriteLine($"warning: {Root} not fully removed: {ex.Message}");
            }
        }
    }
}
