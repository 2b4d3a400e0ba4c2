namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// Parses <c>/var/lib/dpkg/status</c> (deb822 stanzas separated by blank lines; continuation lines
/// start with a space). Keeps Package, Architecture, Version, Status, Multi-Arch and Conffiles; a stanza
/// without Package is counted as malformed and skipped.
/// </summary>
public static class DpkgStatusParser
{
    /// <summary>Appends each package; returns the number of malformed stanzas.</summary>
    public static int Parse(ReadOnlySpan<char> text, ICollection<DpkgPackage> packages)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var malformed = 0;
        var stanza = new Stanza();
        var inConffiles = false;
        while (true)
        {
            var end = text.IndexOf('\n');
            var line = end < 0 ? text : text[..end];
            if (line.EndsWith("\r"))
            {
                line = line[..^1];
            }

            if (line.IsWhiteSpace())
            {
                malformed += stanza.Flush(packages);
                inConffiles = false;
            }
            else if (line[0] is ' ' or '\t')
            {
                if (inConffiles)
                {
                    stanza.AddConffile(line.Trim());
                }
            }
            else
            {
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    stanza.Broken = true;
                    inConffiles = false;
                }
                else
                {
                    var field = line[..colon];
                    var value = line[(colon + 1)..].Trim();
                    inConffiles = field.Equals("Conffiles", StringComparison.OrdinalIgnoreCase);
                    stanza.Set(field, value);
                }
            }

            if (end < 0)
            {
                break;
            }

            text = text[(end + 1)..];
        }

        malformed += stanza.Flush(packages);
        return malformed;
    }

    private sealed class Stanza
    {
        private string? _name;
        private string? _architecture;
        private string? _version;
        private string? _status;
        private bool _multiArchSame;
        private Dictionary<string, string>? _conffiles;
        private bool _any;

        public bool Broken { get; set; }

        public void Set(ReadOnlySpan<char> field, ReadOnlySpan<char> value)
        {
            _any = true;
            if (field.Equals("Package", StringComparison.OrdinalIgnoreCase))
            {
                _name = value.ToString();
            }
            else if (field.Equals("Architecture", StringComparison.OrdinalIgnoreCase))
            {
                _architecture = value.ToString();
            }
            else if (field.Equals("Version", StringComparison.OrdinalIgnoreCase))
            {
                _version = value.ToString();
            }
            else if (field.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                _status = value.ToString();
            }
            else if (field.Equals("Multi-Arch", StringComparison.OrdinalIgnoreCase))
            {
                _multiArchSame = value.Equals("same", StringComparison.OrdinalIgnoreCase);
            }
        }

        /// <summary>" /etc/foo.conf 0123...cdef" or with a trailing " obsolete" / " remove-on-upgrade" marker.</summary>
        public void AddConffile(ReadOnlySpan<char> line)
        {
            var space = line.IndexOf(' ');
            if (space <= 0 || line[0] != '/')
            {
                return;
            }

            var path = line[..space];
            var rest = line[(space + 1)..];
            var next = rest.IndexOf(' ');
            var digest = next < 0 ? rest : rest[..next];
            if (digest.Length != 32)
            {
                return;
            }

            (_conffiles ??= new Dictionary<string, string>(StringComparer.Ordinal))[path.ToString()] = digest.ToString();
        }

        public int Flush(ICollection<DpkgPackage> packages)
        {
            var malformed = 0;
            if (_any || Broken)
            {
                if (_name is { Length: > 0 } && !Broken)
                {
                    packages.Add(new DpkgPackage(_name, _architecture, _version, _status, _multiArchSame,
                        (IReadOnlyDictionary<string, string>?)_conffiles ?? new Dictionary<string, string>(StringComparer.Ordinal)));
                }
                else
                {
                    malformed = 1;
                }
            }

            _name = _architecture = _version = _status = null;
            _multiArchSame = false;
            _conffiles = null;
            _any = false;
            Broken = false;
            return malformed;
        }
    }
}
