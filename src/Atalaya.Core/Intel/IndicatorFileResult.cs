namespace Atalaya.Core.Intel;

/// <summary>What one indicator file held: the indicators, and the lines that were not one (counted, never fatal).</summary>
public sealed record IndicatorFileResult
{
    public required IReadOnlyList<Indicator> Indicators { get; init; }

    /// <summary>Non-comment, non-blank lines that held no valid indicator.</summary>
    public required int BadLines { get; init; }

    /// <summary>Line numbers (1-based) of the first few bad lines, so a warning can point at them.</summary>
    public required IReadOnlyList<int> FirstBadLines { get; init; }

    /// <summary>True when the file was read as CSV (a comma-separated feed export).</summary>
    public required bool Csv { get; init; }
}
