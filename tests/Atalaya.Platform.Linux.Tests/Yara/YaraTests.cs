using System.Text;
using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;
using Atalaya.Core.Yara;
using Atalaya.Platform.Linux.Yara;
using Atalaya.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace Atalaya.Platform.Linux.Tests.Yara;

/// <summary>Real libyara (Debian libyara9), real rule files, real files and a real process.</summary>
public sealed class YaraTests(ITestOutputHelper output)
{
    internal const string Marker = "ATALAYA-YARA-TEST-MARKER-7f3c";

    internal const string MarkerRule = $$"""
        rule atalaya_test_marker : test marker
        {
            meta:
                description = "the Atalaya test marker"
                author = "Atalaya tests"
                mitre_attack = "T1027, T1204.002"
                score = 85
                verified = true
                version = 3
            strings:
                $m = "{{Marker}}"
            condition:
                $m
        }

        private rule atalaya_private_helper { condition: false }
        """;

    [SkippableFact]
    public void Rule_file_matches_a_file_with_the_marker_and_not_one_without()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        temp.WriteFile("rules/test.yar", MarkerRule);
        var hit = temp.WriteFile("hit.bin", "some bytes " + Marker + " more bytes");
        var miss = temp.WriteFile("miss.bin", "some bytes without it");

        var compilation = YaraCompiler.CompileFolder(temp.Combine("rules"));
        using var rules = compilation.Rules!;
        Assert.True(compilation.Available);
        Assert.Empty(compilation.Errors);
        Assert.Equal(["test.yar"], compilation.FilesCompiled);
        Assert.Equal(1, rules.RuleCount); // the private rule is never reported

        var result = rules.ScanFile(hit);
        Assert.Null(result.Error);
        var match = Assert.Single(result.Matches);
        Assert.Equal("atalaya_test_marker", match.Rule);
        Assert.Equal("test.yar", match.Namespace);
        Assert.Equal(["test", "marker"], match.Tags);
        Assert.Equal("the Atalaya test marker", match.Meta["description"]);
        Assert.Equal("Atalaya tests", match.Meta["author"]);
        Assert.Equal("85", match.Meta["score"]);
        Assert.Equal("true", match.Meta["verified"]);
        Assert.Equal("3", match.Meta["version"]);

        var clean = rules.ScanFile(miss);
        Assert.Null(clean.Error);
        Assert.Empty(clean.Matches);

        var gone = rules.ScanFile(temp.Combine("absent.bin"));
        Assert.Equal("the file could not be opened", gone.Error);
    }

    [SkippableFact]
    public async Task A_fifo_or_a_directory_is_refused_without_blocking_the_scanner()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        using var rules = YaraCompiler.CompileText("test.yar", "rule everything { condition: true }").Rules!;
        // An executable FIFO, as anyone can put where an executable was: open(2) without O_NONBLOCK waits for a writer.
        var fifo = temp.Combine("fifo");
        using (var mkfifo = SpawnedProcess.Start("/usr/bin/mkfifo", ["-m", "755", fifo]))
        {
            Assert.True(mkfifo.WaitForExit(TimeSpan.FromSeconds(10)));
        }

        var scan = Task.Run(() => rules.ScanFile(fifo));
        if (await Task.WhenAny(scan, Task.Delay(TimeSpan.FromSeconds(10))) != scan)
        {
            // Unblock the stuck open so the test ends, then fail.
            await using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }

            Assert.Fail("ScanFile blocked on a FIFO");
        }

        Assert.Equal("not a regular file", (await scan).Error);
        Assert.Equal("not a regular file", rules.ScanFile(temp.Path).Error);
        Assert.Single(rules.ScanFile(temp.WriteFile("regular.bin", "x")).Matches);
    }

    [SkippableFact]
    public void Broken_rule_file_is_reported_with_its_line_and_the_good_files_still_load()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        temp.WriteFile("rules/a-good.yara", MarkerRule);
        temp.WriteFile("rules/b-broken.yar", "rule ok { condition: true }\n\nrule broken {\n  condition:\n    not_defined_anywhere and\n    true\n}\n");
        temp.WriteFile("rules/notes.txt", "not a rule file");

        var compilation = YaraCompiler.CompileFolder(temp.Combine("rules"));
        using var rules = compilation.Rules!;
        var error = Assert.Single(compilation.Errors);
        Assert.Equal("b-broken.yar", error.File);
        // The line libyara names, the same one the yara CLI prints for this file.
        Assert.Equal(5, error.Line);
        Assert.Equal("undefined identifier \"not_defined_anywhere\"", error.Message);
        Assert.Equal(["a-good.yara"], compilation.FilesCompiled);
        Assert.Equal(1, rules.RuleCount);
        output.WriteLine(error.ToString());
    }

    [SkippableFact]
    public void Two_files_may_reuse_a_rule_name_in_their_own_namespaces()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        temp.WriteFile("rules/one.yar", MarkerRule);
        temp.WriteFile("rules/sub/two.yar", MarkerRule);
        var hit = temp.WriteFile("hit.bin", Marker);

        var compilation = YaraCompiler.CompileFolder(temp.Combine("rules"));
        using var rules = compilation.Rules!;
        Assert.Empty(compilation.Errors);
        Assert.Equal(2, rules.RuleCount);
        var matches = rules.ScanFile(hit).Matches;
        Assert.Equal(["one.yar", Path.Combine("sub", "two.yar")], matches.Select(m => m.Namespace).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Absent_library_reports_unavailable_with_the_reason()
    {
        var compilation = YaraCompiler.CompileFolder("/nonexistent", soname: "libyara-absent-for-test.so.9");
        Assert.False(compilation.Available);
        Assert.Null(compilation.Rules);
        Assert.Contains("libyara-absent-for-test.so.9 could not be loaded", compilation.UnavailableReason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Missing_folder_compiles_to_no_rules_without_error()
    {
        SkipWithoutLibYara();
        var compilation = YaraCompiler.CompileFolder("/nonexistent/atalaya-yara-rules");
        Assert.True(compilation.Available);
        Assert.Null(compilation.Rules);
        Assert.Empty(compilation.Errors);
    }

    [SkippableFact]
    public void Concurrent_scans_on_one_rule_set_agree()
    {
        SkipWithoutLibYara();
        var compilation = YaraCompiler.CompileText("test.yar", MarkerRule);
        using var rules = compilation.Rules!;
        var hit = Encoding.ASCII.GetBytes(new string('a', 10_000) + Marker + new string('b', 10_000));
        var miss = new byte[20_000];
        var results = new int[8 * 500];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            results[i] = (i % 2 == 0 ? rules.ScanMemory(hit) : rules.ScanMemory(miss)).Matches.Count);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? 1 : 0, results[i]);
        }
    }

    [SkippableFact]
    public void A_running_process_whose_executable_matches_raises_a_signal_once_per_content()
    {
        SkipWithoutLibYara();
        using var temp = new TempDirectory();
        var copy = temp.Combine("marked-sleep");
        File.WriteAllBytes(copy, [.. File.ReadAllBytes("/usr/bin/sleep"), .. Encoding.ASCII.GetBytes(Marker)]);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var compilation = YaraCompiler.CompileText("test.yar", MarkerRule);
        using var rules = compilation.Rules!;
        var analytic = new YaraAnalytic(rules);

        using var process = SpawnedProcess.Start(copy, ["300"]);
        var procfs = LinuxPlatform.CreateSnapshotSources(new LinuxPlatformOptions(), TimeProvider.System)[0];
        var events = procfs.TakeSnapshot(CancellationToken.None);
        var mine = Assert.Single(events, e => e.Process?.Pid == process.Pid);
        Assert.Equal(copy, mine.Process!.Executable);
        Assert.NotNull(mine.Process.Hash?.Sha256);

        var sink = new Sink();
        foreach (var e in events)
        {
            analytic.Observe(e, sink);
        }

        var signal = Assert.Single(sink.Signals);
        Assert.Equal("atalaya.analytic.yara.test.yar.atalaya_test_marker", signal.SourceId);
        Assert.Equal(85, signal.Weight);
        Assert.Equal(["T1027", "T1204.002"], signal.Techniques);
        Assert.Equal("Atalaya tests", signal.Rule?.Author);
        Assert.Contains(copy, signal.Detail, StringComparison.Ordinal);
        Assert.Contains("tags: test, marker", signal.Detail, StringComparison.Ordinal);
        Assert.Same(mine, signal.Subject);

        // The same content again (a second exec of the copy) is not rescanned but still signals.
        var scanned = analytic.FilesScanned;
        analytic.Observe(mine, sink);
        Assert.Equal(scanned, analytic.FilesScanned);
        Assert.Equal(2, sink.Signals.Count);
        Assert.True(analytic.CacheHits >= 1);
        process.Kill();
    }

    internal static void SkipWithoutLibYara() =>
        Skip.IfNot(YaraLibrary.TryInitialize(out var reason), $"libyara is not installed here: {reason}");

    private sealed class Sink : ISignalSink
    {
        public List<Signal> Signals { get; } = [];

        public void Emit(Signal signal) => Signals.Add(signal);
    }
}
