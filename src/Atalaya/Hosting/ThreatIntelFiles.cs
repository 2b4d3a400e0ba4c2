using Atalaya.Core.Intel;

namespace Atalaya.Cli.Hosting;

/// <summary>
/// Loads indicator files from the intel folders (<c>DATA_DIR/intel</c> plus the config's
/// <c>intelDirs</c>) and reloads them when a file appears, disappears or changes size or mtime.
/// A missing folder is an empty one; an unreadable or oversized file and bad lines are reported
/// as warnings and skipped, never fatal.
/// </summary>
internal sealed class ThreatIntelFiles
{
    /// <summary>Feeds are a few MB; anything far larger is a mistake (a disk image dropped in the folder).</summary>
    private const long MaxFileBytes = 256L * 1024 * 1024;

    private readonly Action<string> _warn;
    private string _fingerprint = string.Empty;

    public ThreatIntelFiles(IReadOnlyList<string> folders, Action<string> warn)
    {
        Folders = folders;
        _warn = warn;
    }

    public IReadOnlyList<string> Folders { get; }

    public int FilesLoaded { get; private set; }

    public int BadLines { get; private set; }

    public static ThreatIntelFiles ForAgent(AgentConfig config, string dataDirectory, Action<string> warn) =>
        new([Path.Combine(dataDirectory, "intel"), .. config.IntelDirs ?? []], warn);

    /// <summary>Reads every file now and returns the indicators.</summary>
    public IndicatorSet Load()
    {
        var files = ListFiles();
        _fingerprint = Fingerprint(files);
        return Read(files);
    }

    /// <summary>When the files changed since the last load, reads them again and swaps them into the analytic.</summary>
    public bool ReloadIfChanged(ThreatIntelAnalytic analytic)
    {
        var files = ListFiles();
        var fingerprint = Fingerprint(files);
        if (fingerprint == _fingerprint)
        {
            return false;
        }

        _fingerprint = fingerprint;
        analytic.Replace(Read(files));
        return true;
    }

    private IndicatorSet Read(List<FileInfo> files)
    {
        var hits = new List<IndicatorHit>();
        var loaded = 0;
        var bad = 0;
        foreach (var file in files)
        {
            if (file.Length > MaxFileBytes)
            {
                _warn($"threat intel: {file.FullName} is larger than {MaxFileBytes / (1024 * 1024)} MB and is skipped");
                continue;
            }

            string text;
            try
            {
                text = File.ReadAllText(file.FullName);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _warn($"threat intel: cannot read {file.FullName}: {ex.Message}");
                continue;
            }

            var result = IndicatorParser.Parse(text);
            loaded++;
            bad += result.BadLines;
            if (result.BadLines > 0)
            {
                _warn($"threat intel: {file.FullName}: {result.BadLines} line{(result.BadLines == 1 ? "" : "s")} without a valid indicator (first at line {string.Join(", ", result.FirstBadLines)})");
            }

            hits.AddRange(result.Indicators.Select(i => new IndicatorHit(i, file.Name)));
        }

        FilesLoaded = loaded;
        BadLines = bad;
        return IndicatorSet.Build(hits);
    }

    /// <summary>Regular files, not hidden and not editor leftovers, in a stable order.</summary>
    private List<FileInfo> ListFiles()
    {
        var files = new List<FileInfo>();
        foreach (var folder in Folders)
        {
            try
            {
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                files.AddRange(new DirectoryInfo(folder).EnumerateFiles()
                    .Where(f => !f.Name.StartsWith('.') && !f.Name.EndsWith('~'))
                    .OrderBy(f => f.Name, StringComparer.Ordinal));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _warn($"threat intel: cannot list {folder}: {ex.Message}");
            }
        }

        return files;
    }

    private static string Fingerprint(List<FileInfo> files) =>
        string.Join('\n', files.Select(f => $"{f.FullName}\0{f.Length}\0{f.LastWriteTimeUtc.Ticks}"));
}
