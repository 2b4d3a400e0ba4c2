using Atalaya.Platform.Linux.Host;

namespace Atalaya.Platform.Linux.Tests.Host;

public sealed class OsReleaseParserTests
{
    // This machine's /etc/os-release.
    private const string Debian12 = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n";

    private const string Ubuntu = "NAME='Ubuntu'\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n# comment\nPRETTY_NAME=\"Ubuntu \\\"Noble\\\" \\$HOME\"\n";

    [Theory]
    [InlineData(Debian12, "Debian GNU/Linux", "debian", null, "12", "12 (bookworm)", "Debian GNU/Linux 12 (bookworm)")]
    [InlineData(Ubuntu, "Ubuntu", "ubuntu", "debian", "24.04", null, "Ubuntu \"Noble\" $HOME")]
    [InlineData("ID=alpine\nBROKEN=\"unterminated\nNAME=\n", "", "alpine", null, null, null, null)]
    public void Parses(string text, string? name, string? id, string? idLike, string? versionId, string? version, string? prettyName)
    {
        Assert.True(OsReleaseParser.TryParse(text, out var value));
        Assert.Equal(new OsRelease { Name = name, Id = id, IdLike = idLike, VersionId = versionId, Version = version, PrettyName = prettyName }, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("no equals sign\n=value\n")]
    public void Rejects_files_without_assignments(string text)
    {
        Assert.False(OsReleaseParser.TryParse(text, out _));
    }
}
