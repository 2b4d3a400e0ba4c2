using System.Globalization;

namespace Atalaya.Cli.Hosting;

/// <summary>Parses "10m", "2h", "30s", "7d" and ISO 8601 instants for --since and --duration.</summary>
internal static class DurationParser
{
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2)
        {
            return false;
        }

        var unit = text[^1];
        if (!double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
            || amount < 0 || double.IsNaN(amount) || amount > 36_500)
        {
            return false;
        }

        TimeSpan? parsed = unit switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => null,
        };
        duration = parsed ?? default;
        return parsed is not null;
    }

    /// <summary>A duration ago, or an absolute instant.</summary>
    public static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        if (TryParseDuration(text, out var ago))
        {
            return now - ago;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return instant;
        }

        throw new CliException($"--since '{text}' is neither a duration (30s, 10m, 2h, 7d) nor a time (2026-11-21T10:00:00Z)");
    }
}
