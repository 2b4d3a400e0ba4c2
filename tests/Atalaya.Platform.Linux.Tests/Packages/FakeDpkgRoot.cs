using System.Security.Cryptography;
using System.Text;
using Atalaya.TestKit;

// dpkg records MD5 digests; the fake database must write the same kind.
#pragma warning disable CA5351

namespace Atalaya.Platform.Linux.Tests.Packages;

/// <summary>
/// A merged-/usr root in a temp directory with a dpkg database describing the files it installs, so
/// verification can be tested against files that are safe to modify.
/// </summary>
internal sealed class FakeDpkgRoot : IDisposable
{
    private readonly TempDirectory _temp = new("atalaya-dpkg-");
    private readonly StringBuilder _status = new();
    private readonly StringBuilder _diversions = new();

    public FakeDpkgRoot()
    {
        Directory.CreateDirectory(Combine("usr/bin"));
        Directory.CreateDirectory(Combine("usr/sbin"));
        Directory.CreateDirectory(Combine("var/lib/dpkg/info"));
        File.CreateSymbolicLink(Combine("bin"), "usr/bin");
        File.CreateSymbolicLink(Combine("sbin"), "usr/sbin");
        Flush();
    }

    public string Root => _temp.Path;

    public string Combine(string relative) => Path.Combine(_temp.Path, relative);

    /// <summary>Installs files (recorded paths → content) for a package, writing .list, .md5sums and a status stanza.</summary>
    public void Install(string package, string version, IReadOnlyDictionary<string, string> files, string? installedAt = null,
        IReadOnlyDictionary<string, string>? conffiles = null)
    {
        var list = new StringBuilder("/.\n");
        var sums = new StringBuilder();
        foreach (var (recorded, content) in files)
        {
            var real = Combine((installedAt ?? recorded).TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            File.WriteAllText(real, content);
            File.SetUnixFileMode(real, (UnixFileMode)0b111_101_101);
            list.Append(recorded).Append('\n');
            sums.Append(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)))).Append("  ").Append(recorded.TrimStart('/')).Append('\n');
        }

        foreach (var (path, content) in conffiles ?? new Dictionary<string, string>())
        {
            var real = Combine(path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            File.WriteAllText(real, content);
            list.Append(path).Append('\n');
        }

        File.WriteAllText(Combine($"var/lib/dpkg/info/{package}.list"), list.ToString());
        File.WriteAllText(Combine($"var/lib/dpkg/info/{package}.md5sums"), sums.ToString());
        _status.Append($"Package: {package}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n");
        if (conffiles is not null)
        {
            _status.Append("Conffiles:\n");
            foreach (var (path, content) in conffiles)
            {
                _status.Append($" {path} {Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)))}\n");
            }
        }

        _status.Append('\n');
        Flush();
    }

    public void Divert(string original, string divertedTo, string? package)
    {
        _diversions.Append(original).Append('\n').Append(divertedTo).Append('\n').Append(package ?? ":").Append('\n');
        Flush();
    }

    private void Flush()
    {
        File.WriteAllText(Combine("var/lib/dpkg/status"), _status.ToString());
        File.WriteAllText(Combine("var/lib/dpkg/diversions"), _diversions.ToString());
    }

    public void Dispose() => _temp.Dispose();
}
