namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// systemd.syntax(7) unit files (and XDG .desktop files, the same ini shape): <c>[Section]</c>
/// headers, <c>Key=Value</c> settings, comments starting with '#' or ';', and lines continued with a
/// trailing backslash. Keys keep their case (systemd keys are case-sensitive).
/// </summary>
public static class SystemdUnitParser
{
    /// <summary>Every setting in file order; lines that are neither a section, a setting, a comment nor blank are counted.</summary>
    public static IReadOnlyList<IniSetting> Parse(ReadOnlySpan<char> text, out int malformedLines)
    {
        var settings = new List<IniSetting>();
        malformedLines = 0;
        var section = string.Empty;
        var lines = new TextLines(text);
        while (lines.TryNextLogical(out var logical, out var lineNumber))
        {
            var line = logical.AsSpan().Trim(" \t");
            if (line.IsEmpty || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    malformedLines++;
                    continue;
                }

                section = line[1..^1].ToString();
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                malformedLines++;
                continue;
            }

            settings.Add(new IniSetting(section, line[..equals].TrimEnd(" \t").ToString(), line[(equals + 1)..].TrimStart(" \t").ToString(), lineNumber));
        }

        return settings;
    }

    /// <summary>
    /// The effective values of a list setting such as ExecStart=: an empty assignment clears the list
    /// (systemd.service(5)), which is also how drop-ins replace a vendor command.
    /// </summary>
    public static IReadOnlyList<string> Values(IReadOnlyList<IniSetting> settings, string section, string key)
    {
        var values = new List<string>();
        foreach (var setting in settings)
        {
            if (string.Equals(setting.Section, section, StringComparison.Ordinal) && string.Equals(setting.Key, key, StringComparison.Ordinal))
            {
                if (setting.Value.Length == 0)
                {
                    values.Clear();
                }
                else
                {
                    values.Add(setting.Value);
                }
            }
        }

        return values;
    }

    /// <summary>The last value of a single-valued setting, or null.</summary>
    public static string? Value(IReadOnlyList<IniSetting> settings, string section, string key)
    {
        var values = Values(settings, section, key);
        return values.Count == 0 ? null : values[^1];
    }

    /// <summary>
    /// Strips the ExecStart= prefixes (<c>@ - : + !</c>, <c>!!</c>) from a command line; what remains is
    /// the program and its arguments. With '@' the second word is argv[0], not a program, and is kept.
    /// </summary>
    public static string StripExecPrefixes(string value)
    {
        var i = 0;
        while (i < value.Length && value[i] is '@' or '-' or ':' or '+' or '!')
        {
            i++;
        }

        return value[i..].TrimStart();
    }
}
