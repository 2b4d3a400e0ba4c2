namespace Atalaya.Core.Yara;

/// <summary>
/// Scans a file's content with the compiled YARA rules. The platform implements it over libyara
/// (Core makes no native calls); implementations are thread-safe.
/// </summary>
public interface IYaraScanner
{
    /// <summary>Number of rules compiled in; zero makes the analytic inert.</summary>
    int RuleCount { get; }

    YaraScanResult ScanFile(string path);
}
