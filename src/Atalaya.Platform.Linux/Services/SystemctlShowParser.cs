using System.Globalization;

namespace Atalaya.Platform.Linux.Services;

/// <summary>
/// <c>systemctl show</c> output: one <c>Key=Value</c> per line, units separated by a blank line.
/// Pure; <see cref="SystemctlReader"/> runs systemctl.
/// </summary>
public static class SystemctlShowParser
{
    public static IReadOnlyList<ServiceState> Parse(ReadOnlySpan<char> text)
    {
        var units = new List<ServiceState>();
        var block = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.EnumerateLines())
        {
            if (line.IsWhiteSpace())
            {
                Flush(block, units);
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals > 0)
            {
                block[line[..equals].ToString()] = line[(equals + 1)..].ToString();
            }
        }

        Flush(block, units);
        return units;
    }

    private static void Flush(Dictionary<string, string> block, List<ServiceState> units)
    {
        if (block.TryGetValue("Id", out var id) && id.Length > 0)
        {
            int? pid = block.TryGetValue("MainPID", out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : null;
            units.Add(new ServiceState(id, Get(block, "LoadState"), Get(block, "ActiveState"), Get(block, "SubState"), Get(block, "UnitFileState"), pid,
                Get(block, "FragmentPath"), ExecPath(Get(block, "ExecStart"))));
        }

        block.Clear();
    }

    private static string? Get(Dictionary<string, string> block, string key) =>
        block.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    /// <summary>ExecStart= is shown as <c>{ path=/usr/sbin/sshd ; argv[]=/usr/sbin/sshd -D ; ... }</c>: the path is kept.</summary>
    private static string? ExecPath(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var at = value.IndexOf("path=", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = value.AsSpan(at + "path=".Length);
        var end = rest.IndexOf(" ;", StringComparison.Ordinal);
        return (end < 0 ? rest : rest[..end]).Trim().ToString();
    }
}
