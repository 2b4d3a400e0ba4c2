using System.Globalization;

namespace Atalaya.Platform.Linux.Services;

/// <summary>
/// <c>systemctl show</c> output: one <c>Key=Value</c> per line, units separated by a blank line. Pure and
/// span-based: only the properties <see cref="SystemctlReader"/> asks for are kept (a value is allocated
/// only for them), a block without <c>Id=</c> is skipped, a line without '=' or an over-long value is
/// counted as malformed. Values come from unit files anyone with root can write, so nothing in them is
/// trusted beyond being text.
/// </summary>
public static class SystemctlShowParser
{
    /// <summary>Longer values are cut: an ExecStart line of a hostile unit can be megabytes.</summary>
    public const int MaxValueLength = 4096;

    public static IReadOnlyList<ServiceState> Parse(ReadOnlySpan<char> text) => Parse(text, out _);

    public static IReadOnlyList<ServiceState> Parse(ReadOnlySpan<char> text, out int malformed)
    {
        malformed = 0;
        var units = new List<ServiceState>();
        var block = new Block();
        foreach (var line in text.EnumerateLines())
        {
            if (line.IsWhiteSpace())
            {
                block.FlushInto(units);
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                malformed++;
                continue;
            }

            var value = line[(equals + 1)..];
            if (value.Length > MaxValueLength)
            {
                malformed++;
                value = value[..MaxValueLength];
            }

            block.Set(line[..equals], value);
        }

        block.FlushInto(units);
        return units;
    }

    private sealed class Block
    {
        private string? _id;
        private string? _load;
        private string? _active;
        private string? _sub;
        private string? _unitFileState;
        private int? _mainPid;
        private string? _fragment;
        private string? _execStart;
        private string? _result;

        public void Set(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
        {
            switch (key)
            {
                case "Id": _id = Text(value); break;
                case "LoadState": _load = Text(value); break;
                case "ActiveState": _active = Text(value); break;
                case "SubState": _sub = Text(value); break;
                case "UnitFileState": _unitFileState = Text(value); break;
                case "MainPID":
                    _mainPid = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
                    break;
                case "FragmentPath": _fragment = Text(value); break;
                case "ExecStart": _execStart = ExecPath(value); break;
                case "Result": _result = Text(value); break;
                default: break;
            }
        }

        public void FlushInto(List<ServiceState> units)
        {
            if (_id is not null)
            {
                units.Add(new ServiceState(_id, _load, _active, _sub, _unitFileState, _mainPid, _fragment, _execStart, _result));
            }

            _id = _load = _active = _sub = _unitFileState = _fragment = _execStart = _result = null;
            _mainPid = null;
        }

        private static string? Text(ReadOnlySpan<char> value) => value.IsEmpty ? null : value.ToString();

        /// <summary>
        /// ExecStart= is shown as <c>{ path=/usr/sbin/sshd ; argv[]=/usr/sbin/sshd -D ; ... }</c>, one block
        /// per command: the first block's path is kept, and only when it is absolute.
        /// </summary>
        private static string? ExecPath(ReadOnlySpan<char> value)
        {
            var trimmed = value.TrimStart();
            if (!trimmed.StartsWith("{ path=", StringComparison.Ordinal))
            {
                return null;
            }

            var rest = trimmed["{ path=".Length..];
            var end = rest.IndexOf(" ;", StringComparison.Ordinal);
            var path = (end < 0 ? rest : rest[..end]).Trim();
            return path.Length > 0 && path[0] == '/' ? path.ToString() : null;
        }
    }
}
