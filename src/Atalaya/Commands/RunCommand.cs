using System.CommandLine;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Atalaya.Cli.Hosting;
using Atalaya.Core.Allowlist;
using Atalaya.Core.Baseline;
using Atalaya.Core.Detection;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Intel;
using Atalaya.Core.Pipeline;
using Atalaya.Storage;

namespace Atalaya.Cli.Commands;

/// <summary>
/// <c>atalaya run</c>: the agent in the foreground. Stops cleanly on Ctrl+C or SIGTERM (collectors
/// stop, queued events are analysed and flushed, a final status is saved).
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var duration = new Option<string?>("--duration") { Description = "Stop by itself after this long (30s, 10m, 2h); default: until Ctrl+C or SIGTERM" };
        var quiet = new Option<bool>("--quiet") { Description = "No periodic status line" };
        var command = new Command("run", "Run the agent: collect, detect, score and store until stopped") { duration, quiet, GlobalOptions.Rules };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TimeSpan? runFor = null;
            if (parse.GetValue(duration) is { } text)
            {
                runFor = DurationParser.TryParseDuration(text, out var d) && d > TimeSpan.Zero
                    ? d
                    : throw new CliException($"--duration '{text}' is not a duration (30s, 10m, 2h)");
            }

            var config = GlobalOptions.LoadConfig(parse);
            var dataDir = GlobalOptions.ResolveDataDir(parse, config);
            var time = TimeProvider.System;
            var baseline = BaselineCommand.LoadActive(dataDir);
            var intel = DetectionSetup.LoadThreatIntel(config, dataDir);
            var yara = YaraSetup.Load(config);
            using var baselineStore = config.Baseline.LearnDays > 0 ? SqliteBaselineStore.Open(dataDir) : null;
            var learning = baselineStore is null ? null : new BaselineRunLearning(
                baselineStore, baselineStore, new BaselineOptions { PromoteAfter = config.Baseline.PromoteAfter }, TimeSpan.FromDays(config.Baseline.LearnDays), time);
            var engine = DetectionSetup.CreateEngine(config, time, parse.GetValue(GlobalOptions.Rules) ?? [], baseline, intel.Analytic, yara.Analytic, learning);
            using var sensors = SensorFactory.CreateCollectors(config, time, dataDir);
            var collectors = sensors.Collectors;
            using var store = StoreAccess.OpenForWriting(dataDir);
            engine.AllowList = new AllowList(store.ListAllowEntries());
            await using var output = new ConsoleLine();
            // Alerts update the stored incidents as they are written (`atalaya incidents` reads them).
            var recording = new IncidentRecordingStore(store);
            var pipeline = new AgentPipeline(
                collectors,
                engine,
                new ProcessTableEnricher(),
                recording,
                new PipelineOptions { Retention = TimeSpan.FromDays(config.RetentionDays) },
                time,
                ThisAssembly.Version,
                output.Write);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
            if (runFor is { } limit)
            {
                stop.CancelAfter(limit);
            }

            output.Write($"Atalaya {ThisAssembly.Version} is watching {Environment.MachineName} (pid {Environment.ProcessId}); data in {dataDir}. Ctrl+C stops it.");
            // A period that ended while the agent was stopped is committed now.
            Checkpoint(learning, output);
            if (learning is { Learning: true })
            {
                output.Write($"baseline: learning this host's normal behaviour until {learning.Ends.UtcDateTime:u} (baseline.learnDays {config.Baseline.LearnDays}); first-seen signals start then");
            }
            else if (baseline.Count > 0)
            {
                output.Write($"baseline version {baseline.Version}: {baseline.Count:N0} items (new facts are signalled)");
            }

            output.Write("sensors: " + string.Join(", ", collectors.Select(c => $"{c.Name}={c.Sensor}")));
            if (sensors.ProcessSensorFallbackReason is { } why)
            {
                // Polling misses processes shorter than one interval: say why real time is off.
                output.Write($"processes are polled, not followed in real time: {why}");
            }
            else if (sensors.KernelProgramUnavailableReason is { } noProgram)
            {
                // Real time still, but each exec is read from /proc afterwards: the shortest ones lose their image.
                output.Write($"execs are read from /proc, not in the kernel: {noProgram}");
            }

            if (sensors.Naming?.DnsSnifferUnavailable is { } noDns)
            {
                output.Write($"DNS answers are not watched ({noDns}): names come from /etc/hosts and reverse DNS");
            }

            var statusLine = parse.GetValue(quiet) ? Task.CompletedTask : PrintStatusAsync(pipeline, output, stop.Token);
            output.Write($"threat intel: {intel.Analytic.Indicators.Count:N0} indicators from {intel.Files.FilesLoaded} file{(intel.Files.FilesLoaded == 1 ? "" : "s")}");
            output.Write("yara: " + YaraSetup.Describe(yara.Compilation));
            var intelReload = WatchAsync(intel.Files, intel.Analytic, engine, store, TimeSpan.FromSeconds(config.ReloadSeconds), output, stop.Token);
            var learningCheckpoints = learning is null ? Task.CompletedTask : CheckpointEveryAsync(learning, output, stop.Token);
            await pipeline.RunAsync(stop.Token);
            await statusLine;
            await intelReload;
            await learningCheckpoints;
            Checkpoint(learning, output);
            var final = pipeline.GetStatus();
            output.Write($"stopped: {final.EventsStored:N0} events stored, {final.EventsDropped:N0} dropped, {pipeline.EventsLost:N0} lost, {final.AlertsRaised:N0} alerts");
            return pipeline.EventsLost > 0 ? ExitCodes.Error : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Saves the learnt candidates every 10 minutes, and commits the baseline when the period ends.</summary>
    private static async Task CheckpointEveryAsync(BaselineRunLearning learning, ConsoleLine output, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10));
        try
        {
            while (learning.Learning && await timer.WaitForNextTickAsync(stop))
            {
                Checkpoint(learning, output);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Checkpoint(BaselineRunLearning? learning, ConsoleLine output)
    {
        try
        {
            if (learning?.Checkpoint() is { } version)
            {
                output.Write($"baseline learnt: version {version.Number} with {version.ItemCount:N0} items; first-seen signals start now");
            }
        }
        catch (StoreException ex)
        {
            // Learning keeps its candidates in memory and tries again at the next checkpoint.
            output.Write($"warning: the baseline could not be saved: {ex.Message}");
        }
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        // Cancel the default (immediate exit) so the pipeline can flush what is queued.
        context.Cancel = true;
        stop.Cancel();
    }

    private static async Task PrintStatusAsync(AgentPipeline pipeline, ConsoleLine output, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var s = pipeline.GetStatus();
                var sensors = string.Join(", ", s.Collectors.Select(c => $"{c.Name} {c.State}"));
                output.Write($"events {s.EventsPublished:N0} collected, {s.EventsStored:N0} stored, {s.EventsDropped:N0} dropped; {s.AlertsRaised:N0} alerts; {sensors}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Periodically: a size/mtime check of the intel folders (a change rebuilds the indicators and
    /// swaps them in), and the allowlist re-read from the store, where `atalaya allow` writes it.
    /// </summary>
    private static async Task WatchAsync(
        ThreatIntelFiles files, ThreatIntelAnalytic analytic, DetectionEngine engine, SqliteEventStore store, TimeSpan interval, ConsoleLine output, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (files.ReloadIfChanged(analytic))
                {
                    output.Write($"threat intel reloaded: {analytic.Indicators.Count:N0} indicators from {files.FilesLoaded} file{(files.FilesLoaded == 1 ? "" : "s")}");
                }

                try
                {
                    engine.AllowList = new AllowList(store.ListAllowEntries());
                }
                catch (StoreException ex)
                {
                    // Keep the entries already loaded: a busy or briefly locked store is not a reason to re-arm everything.
                    output.Write($"warning: the allowlist could not be re-read: {ex.Message}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Lines from the pipeline's threads, written to stdout by one background task so they never
    /// interleave and a slow or stalled console (a paused pager, a full pipe) never holds up detection:
    /// the ALERT lines are written from the pipeline's only consumer thread. Past
    /// <see cref="Capacity"/> waiting lines the oldest are dropped, and how many is written once the
    /// console catches up.
    /// </summary>
    private sealed class ConsoleLine : IAsyncDisposable
    {
        private const int Capacity = 1024;

        private readonly Channel<string> _lines;
        private readonly Task _writer;
        private long _droppedTotal;

        public ConsoleLine()
        {
            _lines = Channel.CreateBounded<string>(
                new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                _ => Interlocked.Increment(ref _droppedTotal));
            _writer = Task.Run(WriteAllAsync);
        }

        public void Write(string line) => _lines.Writer.TryWrite($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

        public async ValueTask DisposeAsync()
        {
            _lines.Writer.TryComplete();
            await _writer.ConfigureAwait(false);
        }

        private async Task WriteAllAsync()
        {
            long reported = 0;
            await foreach (var line in _lines.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                var dropped = Interlocked.Read(ref _droppedTotal);
                if (dropped > reported)
                {
                    await Console.Out.WriteLineAsync($"[{DateTime.UtcNow:HH:mm:ss}] ({dropped - reported} console lines dropped: the console was not keeping up)").ConfigureAwait(false);
                    reported = dropped;
                }

                await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
                if (_lines.Reader.Count == 0)
                {
                    await Console.Out.FlushAsync().ConfigureAwait(false);
                }
            }

            await Console.Out.FlushAsync().ConfigureAwait(false);
        }
    }
}
