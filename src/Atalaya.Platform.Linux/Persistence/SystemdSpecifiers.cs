using System.Text;

namespace Atalaya.Platform.Linux.Persistence;

/// <summary>
/// The systemd.unit(5) specifiers the inventory can resolve without asking systemd: enough to turn
/// <c>ExecStart=%h/.local/bin/x</c> into a path. Unknown specifiers are left as written.
/// </summary>
public sealed record SystemdSpecifiers
{
    /// <summary>Full unit name, e.g. <c>getty@tty1.service</c>.</summary>
    public required string UnitName { get; init; }

    /// <summary>Home directory of the unit's user (user units: the owner of ~/.config/systemd/user; system units: root's).</summary>
    public string Home { get; init; } = "/root";

    public string UserName { get; init; } = "root";

    public string Uid { get; init; } = "0";

    /// <summary>%t: the runtime directory (/run for system units, /run/user/UID for user units).</summary>
    public string RuntimeDirectory { get; init; } = "/run";

    public string Expand(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var dot = UnitName.LastIndexOf('.');
        var prefixed = dot < 0 ? UnitName : UnitName[..dot];
        var at = prefixed.IndexOf('@', StringComparison.Ordinal);
        var prefix = at < 0 ? prefixed : prefixed[..at];
        var instance = at < 0 ? string.Empty : prefixed[(at + 1)..];

        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%' || i + 1 == value.Length)
            {
                builder.Append(value[i]);
                continue;
            }

            var specifier = value[++i];
            string? replacement = specifier switch
            {
                '%' => "%",
                'n' => UnitName,
                'N' => prefixed,
                'p' => prefix,
                'i' or 'I' => instance,
                'h' => Home,
                'u' => UserName,
                'U' => Uid,
                't' => RuntimeDirectory,
                _ => null,
            };
            if (replacement is null)
            {
                builder.Append('%').Append(specifier);
            }
            else
            {
                builder.Append(replacement);
            }
        }

        return builder.ToString();
    }
}
