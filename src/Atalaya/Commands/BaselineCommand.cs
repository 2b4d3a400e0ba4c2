using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Atalaya.Cli.Hosting;
using Atalaya.Core.Baseline;
using Atalaya.Core.Enrichment;
using Atalaya.Core.Pipeline;
using Atalaya.Core.Schema;
using Atalaya.Storage;

namespace Atalaya.Cli.Commands;

/// <summary>
/// <c>atalaya baseline learn|list|diff|rollback</c>: what this host normally does. <c>learn</c> runs the
/// agent's sensors for a while recording facts (executables and hashes, parent→child pairs,
/// destinations per program, listeners, persistence entries); a fact seen in enough distinct slots
/// (hours of a run, or separate runs) is promoted, and every run writes a new version. <c>run</c>
/// then signals facts outside the latest version and lowers signals on baseline-known executables.
/// </summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var command = new Command("baseline", "Learn and manage this host's baseline of normal behaviour")
        {
            Learn(),
            List(),
            Show(),
            Diff(),
            Rollback(),
        };
        return command;
    }

    private static Command Learn()
    {
        var duration = new Option<string>("--for") { Description = "How long to learn (30s, 10m, 2h)", Required = true };
        var promoteAfter = new Option<int>("--promote-after")
        {
            Description = "Distinct sightings (hours of a run, or separate runs) before a fact joins the baseline",
            DefaultValueFactory = _ => 3,
        };
        var command = new Command("learn", "Run the sensors in learning mode and write a new baseline version") { duration, promoteAfter };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = parse.GetValue(duration)!;
            if (!DurationParser.TryParseDuration(text, out var learnFor) || learnFor <= TimeSpan.Zero)
            {
                throw new CliException($"--for '{text}' is not a duration (30s, 10m, 2h)");
            }

            var promote = parse.GetValue(promoteAfter);
            if (promote < 1)
            {
                throw new CliException("--promote-after must be at least 1");
            }

            var config = GlobalOptions.LoadConfig(parse);
            var dataDir = GlobalOptions.ResolveDataDir(parse, config);
            var time = TimeProvider.System;
            using var store = Open(dataDir);
            var started = time.GetUtcNow();
            var runId = started.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
            var learner = new BaselineLearner(new BaselineOptions { PromoteAfter = promote }, runId, store.LoadCandidates());
            using var sensors = SensorFactory.CreateCollectors(config, time, dataDir);
            var collectors = sensors.Collectors;
            var publisher = new LearningPublisher(learner);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
            stop.CancelAfter(learnFor);
            Console.Out.WriteLine($"learning for {text} with {string.Join(", ", collectors.Select(c => c.Name))}; Ctrl+C ends early and still saves");
            await new CollectorSupervisor(collectors, time).RunAsync(publisher, stop.Token);

            (BaselineVersion Version, int Promoted) result;
            lock (publisher.Gate)
            {
                result = BaselineVersions.CommitLearning(store, learner, $"learn {text} from {started:yyyy-MM-dd HH:mm:ss}Z", time.GetUtcNow());
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"version {result.Version.Number}: {result.Version.ItemCount} items ({result.Promoted} promoted); {learner.EventsObserved} events observed, {learner.Candidates.Count} candidates, {learner.Dropped} dropped"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per version" };
        var command = new Command("list", "List baseline versions, oldest first; the last is active") { json };
        command.SetAction(parse =>
        {
            using var store = Open(DataDir(parse));
            var versions = store.ListVersions();
            if (parse.GetValue(json))
            {
                foreach (var v in versions)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["version"] = v.Number,
                        ["created"] = v.Created.ToString("O", CultureInfo.InvariantCulture),
                        ["note"] = v.Note,
                        ["items"] = v.ItemCount,
                        ["active"] = v.Number == versions[^1].Number,
                    }));
                }

                return ExitCodes.Ok;
            }

            if (versions.Count == 0)
            {
                Console.Out.WriteLine("no baseline yet: run `atalaya baseline learn --for 2h`");
                return ExitCodes.Ok;
            }

            foreach (var v in versions)
            {
                var active = v.Number == versions[^1].Number ? "  (active)" : "";
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v.Number,4}  {v.Created:yyyy-MM-dd HH:mm:ss}Z  {v.ItemCount,7} items  {v.Note}{active}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var version = new Argument<int>("version") { Description = "The version to print" };
        var command = new Command("show", "Print a version's items, one per line: kind, then the fact") { version };
        command.SetAction(parse =>
        {
            using var store = Open(DataDir(parse));
            var set = Load(store, parse.GetValue(version));
            foreach (var item in BaselineSet.Diff(BaselineSet.Empty, set).Added)
            {
                Console.Out.WriteLine(item.ToString());
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Diff()
    {
        var from = new Argument<int>("from") { Description = "Older version" };
        var to = new Argument<int>("to") { Description = "Newer version" };
        var command = new Command("diff", "Items added (+) and removed (-) between two versions") { from, to };
        command.SetAction(parse =>
        {
            using var store = Open(DataDir(parse));
            var a = Load(store, parse.GetValue(from));
            var b = Load(store, parse.GetValue(to));
            var diff = BaselineSet.Diff(a, b);
            foreach (var item in diff.Added)
            {
                Console.Out.WriteLine($"+ {item}");
            }

            foreach (var item in diff.Removed)
            {
                Console.Out.WriteLine($"- {item}");
            }

            Console.Out.WriteLine($"{diff.Added.Count} added, {diff.Removed.Count} removed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rollback()
    {
        var version = new Argument<int>("version") { Description = "The version to make active again" };
        var command = new Command("rollback", "Make an older version active again (written as a new version)") { version };
        command.SetAction(parse =>
        {
            using var store = Open(DataDir(parse));
            var number = parse.GetValue(version);
            var written = BaselineVersions.Rollback(store, number, DateTimeOffset.UtcNow)
                ?? throw new CliException($"there is no baseline version {number} (see atalaya baseline list)");
            Console.Out.WriteLine($"version {written.Number}: {written.ItemCount} items, {written.Note}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The active baseline for <c>run</c>; empty when the store does not exist or never learned.</summary>
    public static BaselineSet LoadActive(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, SqliteEventStore.FileName)))
        {
            return BaselineSet.Empty;
        }

        using var store = Open(dataDirectory);
        return BaselineVersions.LoadActive(store);
    }

    private static BaselineSet Load(SqliteBaselineStore store, int number) =>
        store.LoadVersion(number) ?? throw new CliException($"there is no baseline version {number} (see atalaya baseline list)");

    private static string DataDir(ParseResult parse) => GlobalOptions.ResolveDataDir(parse, GlobalOptions.LoadConfig(parse));

    private static SqliteBaselineStore Open(string dataDirectory)
    {
        try
        {
            return SqliteBaselineStore.Open(dataDirectory);
        }
        catch (StoreException ex)
        {
            throw new CliException(ex.Message, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CliException($"cannot write to {dataDirectory}: {ex.Message} (use --data-dir)", ex);
        }
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }

    /// <summary>Collectors publish from their own threads; the learner is single-threaded, hence the lock.</summary>
    private sealed class LearningPublisher(BaselineLearner learner) : IEventPublisher
    {
        private readonly ProcessTableEnricher _enricher = new();

        public Lock Gate { get; } = new();

        public void Publish(EcsEvent value)
        {
            lock (Gate)
            {
                learner.Observe(_enricher.Enrich(value));
            }
        }
    }
}
