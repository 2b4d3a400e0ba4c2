using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Analytics;

public sealed class FileAnalyticsTests
{
    private static EcsEvent FileEvent(string path, string action = "file-modified", string type = EventTypes.Change, string kind = EventKinds.Event,
        ProcessFields? writer = null, string? package = null, bool? verified = null, bool? executable = true) => new()
    {
        Timestamp = SampleEvents.Now,
        Event = new EventFields
        {
            Kind = kind,
            Category = [EventCategories.File],
            Type = [type],
            Action = action,
            Dataset = Datasets.File,
            Module = "atalaya",
        },
        Process = writer,
        File = new FileFields { Path = path, Name = path[(path.LastIndexOf('/') + 1)..] },
        Atalaya = new AtalayaFields { File = new AtalayaFileFields { Package = package, PackageVerified = verified, Executable = executable } },
    };

    private static ProcessFields Writer(string executable, string? name = null, int pid = 31337) => new()
    {
        Pid = pid,
        EntityId = $"entity-{pid}",
        Name = name ?? executable[(executable.LastIndexOf('/') + 1)..],
        Executable = executable,
        CommandLine = $"{executable} -c payload",
    };

    [Fact]
    public void Modified_package_binary_is_high_and_names_package_and_writer()
    {
        var sink = new ListSink();
        new ModifiedPackageFileAnalytic().Observe(FileEvent("/usr/bin/ls", writer: Writer("/usr/bin/python3.11"), package: "coreutils", verified: false), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal(["T1554"], signal.Techniques);
        Assert.InRange(signal.Contribution, 75, 89);
        Assert.Equal("file:/usr/bin/ls", signal.EntityKey);
        Assert.Contains("coreutils", signal.Detail, StringComparison.Ordinal);
        Assert.Contains("/usr/bin/python3.11 (pid 31337", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Modified_package_library_is_high_and_data_file_lower()
    {
        var sink = new ListSink();
        var analytic = new ModifiedPackageFileAnalytic();
        analytic.Observe(FileEvent("/usr/lib/x86_64-linux-gnu/libpam.so.0.85.1", package: "libpam0g", verified: false, executable: false), sink);
        analytic.Observe(FileEvent("/usr/share/doc/x/README", package: "x", verified: false, executable: false), sink);
        Assert.Equal([90, 70], sink.Signals.Select(s => s.Weight));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(null)]
    public void Verified_or_uncomparable_files_are_quiet(bool? verified)
    {
        var sink = new ListSink();
        new ModifiedPackageFileAnalytic().Observe(FileEvent("/usr/bin/ls", package: "coreutils", verified: verified), sink);
        Assert.Empty(sink.Signals);
    }

    [Fact]
    public void New_unowned_binary_in_usr_bin_by_a_shell_is_medium()
    {
        var sink = new ListSink();
        new UnownedSystemBinaryAnalytic().Observe(FileEvent("/usr/bin/kworkerd", FileSignalsActions.Created, EventTypes.Creation, writer: Writer("/usr/bin/bash")), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.InRange(signal.Contribution, 50, 74);
        Assert.Equal("entity-31337", signal.EntityKey);
        Assert.Contains("created by /usr/bin/bash", signal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Unowned_binary_scoring_by_writer_and_kind()
    {
        var analytic = new UnownedSystemBinaryAnalytic();
        var sink = new ListSink();
        analytic.Observe(FileEvent("/usr/sbin/tool", FileSignalsActions.Created, EventTypes.Creation, writer: Writer("/usr/bin/dpkg")), sink);
        Assert.Empty(sink.Signals);

        analytic.Observe(FileEvent("/usr/sbin/tool", FileSignalsActions.Created, EventTypes.Creation), sink);
        Assert.InRange(Assert.Single(sink.Signals).Contribution, 25, 49);

        sink.Signals.Clear();
        analytic.Observe(FileEvent("/usr/bin/tool", "unowned-executable", EventTypes.Info, EventKinds.State), sink);
        Assert.InRange(Assert.Single(sink.Signals).Contribution, 25, 49);

        sink.Signals.Clear();
        analytic.Observe(FileEvent("/usr/local/bin/tool", FileSignalsActions.Created, EventTypes.Creation, writer: Writer("/usr/bin/bash")), sink);
        analytic.Observe(FileEvent("/usr/bin/owned", FileSignalsActions.Created, EventTypes.Creation, writer: Writer("/usr/bin/bash"), package: "x"), sink);
        analytic.Observe(FileEvent("/usr/bin/notes", FileSignalsActions.Created, EventTypes.Creation, writer: Writer("/usr/bin/bash"), executable: false), sink);
        analytic.Observe(FileEvent("/usr/bin/gone", "file-deleted", EventTypes.Deletion, writer: Writer("/usr/bin/bash")), sink);
        Assert.Empty(sink.Signals);
    }

    [Theory]
    [InlineData("/etc/ld.so.preload", "T1574.006", 85)]
    [InlineData("/root/.ssh/authorized_keys", "T1098.004", 70)]
    [InlineData("/home/ana/.ssh/authorized_keys2", "T1098.004", 70)]
    [InlineData("/etc/passwd", "T1136.001", 60)]
    [InlineData("/etc/shadow", "T1136.001", 60)]
    [InlineData("/etc/sudoers.d/99-x", "T1098", 70)]
    [InlineData("/etc/cron.d/updater", "T1053.003", 60)]
    [InlineData("/var/spool/cron/crontabs/root", "T1053.003", 60)]
    [InlineData("/etc/systemd/system/evil.service", "T1543.002", 60)]
    [InlineData("/usr/lib/systemd/system/evil.service", "T1543.002", 60)]
    public void Sensitive_write_by_a_shell_is_scored_with_its_technique(string path, string technique, int weight)
    {
        var sink = new ListSink();
        new SensitiveFileWriteAnalytic().Observe(FileEvent(path, writer: Writer("/usr/bin/bash")), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal(technique, signal.Techniques[0]);
        Assert.Equal(weight, signal.Weight);
        Assert.Equal(0.9, signal.Confidence);
        Assert.Equal("entity-31337", signal.EntityKey);
        Assert.Contains(path, signal.Detail, StringComparison.Ordinal);
        Assert.Contains("/usr/bin/bash (pid 31337: /usr/bin/bash -c payload)", signal.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/usr/bin/dpkg", "dpkg", 0.2)]
    [InlineData("/usr/bin/systemctl", "systemctl", 0.2)]
    [InlineData("/usr/sbin/useradd", "useradd", 0.6)]
    [InlineData("/usr/bin/python3.11", "python3", 0.9)]
    public void Sensitive_write_confidence_depends_on_the_writer(string executable, string name, double confidence)
    {
        var sink = new ListSink();
        new SensitiveFileWriteAnalytic().Observe(FileEvent("/etc/cron.d/job", writer: Writer(executable, name)), sink);
        Assert.Equal(confidence, Assert.Single(sink.Signals).Confidence);
    }

    [Fact]
    public void Sensitive_write_without_a_known_writer_is_keyed_on_the_file()
    {
        var sink = new ListSink();
        new SensitiveFileWriteAnalytic().Observe(FileEvent("/etc/ld.so.preload", FileSignalsActions.Created, EventTypes.Creation), sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal("file:/etc/ld.so.preload", signal.EntityKey);
        Assert.Equal(0.6, signal.Confidence);
        Assert.Contains("unknown process", signal.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/hostname")]
    [InlineData("/etc/cron.dx/job")]
    [InlineData("/home/ana/authorized_keys")]
    [InlineData("/etc/passwd-")]
    public void Other_files_are_not_sensitive(string path) => Assert.Null(SensitiveFileWriteAnalytic.Classify(path));

    [Fact]
    public void Deletions_and_scan_states_are_not_writes()
    {
        var sink = new ListSink();
        var analytic = new SensitiveFileWriteAnalytic();
        analytic.Observe(FileEvent("/etc/cron.d/job", "file-deleted", EventTypes.Deletion, writer: Writer("/usr/bin/bash")), sink);
        analytic.Observe(FileEvent("/etc/cron.d/job", "x", EventTypes.Info, EventKinds.State), sink);
        Assert.Empty(sink.Signals);
    }

    private static class FileSignalsActions
    {
        public const string Created = "file-created";
    }
}
