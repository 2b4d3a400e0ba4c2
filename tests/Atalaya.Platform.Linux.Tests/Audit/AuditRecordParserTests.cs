using System.Text;
using Atalaya.Platform.Linux.Audit;

namespace Atalaya.Platform.Linux.Tests.Audit;

public sealed class AuditRecordParserTests
{
    [Fact]
    public void Syscall_record_from_the_kernel_keeps_every_field_in_order()
    {
        const string text = "audit(1795304978.904:8): arch=c000003e syscall=42 success=no exit=-111 a0=3 a1=55864fb27b20 a2=10 a3=7ff6f3f08ac0 items=0 ppid=23483 pid=23494 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"bash\" exe=\"/usr/bin/bash\" key=\"atalaya-net\"";
        Assert.True(AuditRecordParser.TryParse(AuditMessageType.Syscall, text, out var record));
        Assert.Equal(AuditMessageType.Syscall, record.Type);
        Assert.Equal(1795304978L, record.Seconds);
        Assert.Equal(904, record.Milliseconds);
        Assert.Equal(8UL, record.Serial);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795304978904), record.Timestamp);
        Assert.Equal(
            ["arch", "syscall", "success", "exit", "a0", "a1", "a2", "a3", "items", "ppid", "pid", "auid", "uid", "gid", "euid", "suid",
             "fsuid", "egid", "sgid", "fsgid", "tty", "ses", "comm", "exe", "key"],
            record.Fields.Select(f => f.Key));
        Assert.Equal("-111", record.Get("exit"));
        Assert.Equal("(none)", record.Get("tty"));
        Assert.Equal(new AuditField("comm", "bash", Quoted: true), record["comm"]);
        Assert.Equal(new AuditField("a1", "55864fb27b20", Quoted: false), record["a1"]);
        Assert.Equal("atalaya-net", AuditValue.DecodeString(record["key"]));
        Assert.Null(record["missing"]);
    }

    [Fact]
    public void Eoe_has_a_header_and_no_fields()
    {
        Assert.True(AuditRecordParser.TryParse(AuditMessageType.Eoe, "audit(1795304978.904:8): \0\0", out var record));
        Assert.Equal(8UL, record.Serial);
        Assert.Empty(record.Fields);
    }

    [Theory]
    [InlineData("")]
    [InlineData("arch=c000003e")]
    [InlineData("audit(1795304978.904): x=1")]
    [InlineData("audit(17953x4978.904:8): x=1")]
    [InlineData("audit(.904:8): x=1")]
    [InlineData("audit(1795304978.904:): x=1")]
    public void Broken_headers_are_refused(string text) =>
        Assert.False(AuditRecordParser.TryParse(AuditMessageType.Syscall, text, out _));

    [Fact]
    public void User_space_single_quoted_message_and_valueless_tokens_are_tolerated()
    {
        const string text = "audit(1.002:3): pid=1 uid=0 msg='op=PAM:session_open acct=\"root\" res=success' { read } x=1 unterminated=\"abc";
        Assert.True(AuditRecordParser.TryParse(1105, text, out var record));
        Assert.Equal("op=PAM:session_open acct=\"root\" res=success", record.Get("msg"));
        Assert.Equal("1", record.Get("x"));
        Assert.Equal("abc", record.Get("unterminated"));
        Assert.Equal(1L, record.Seconds);
        Assert.Equal(2, record.Milliseconds);
        Assert.Equal(3UL, record.Serial);
    }

    [Theory]
    [InlineData("610A62", new byte[] { 0x61, 0x0A, 0x62 })]
    [InlineData("FFFE", new byte[] { 0xFF, 0xFE })]
    [InlineData("712278", new byte[] { 0x71, 0x22, 0x78 })]
    [InlineData("737020616365", new byte[] { 0x73, 0x70, 0x20, 0x61, 0x63, 0x65 })]
    [InlineData("", new byte[0])]
    public void Hex_values_decode_to_the_exact_bytes(string hex, byte[] expected)
    {
        Assert.True(AuditValue.TryDecode(new AuditField("a1", hex, Quoted: false), out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("(null)")]
    [InlineData("ABC")]
    [InlineData("GG")]
    public void Null_odd_or_non_hex_values_do_not_decode(string value) =>
        Assert.False(AuditValue.TryDecode(new AuditField("name", value, Quoted: false), out _));

    [Fact]
    public void Quoted_values_are_literal()
    {
        Assert.True(AuditValue.TryDecode(new AuditField("a0", "/usr/bin/true", Quoted: true), out var bytes));
        Assert.Equal("/usr/bin/true"u8.ToArray(), bytes);
        Assert.Equal("\uFFFD\uFFFD", AuditValue.DecodeString(new AuditField("a1", "FFFE", Quoted: false)));
        Assert.Equal(Encoding.UTF8.GetBytes("é"), AuditValue.TryDecodeHex("C3A9", out var e) ? e : null);
    }

    [Fact]
    public void Proctitle_splits_on_nul()
    {
        Assert.True(AuditProctitle.TryDecode(new AuditField("proctitle", "2F7573722F62696E2F747275650061206200780A7900706C61696E", false), out var args));
        Assert.Equal(["/usr/bin/true", "a b", "x\ny", "plain"], args);
        Assert.True(AuditProctitle.TryDecode(new AuditField("proctitle", "bash", true), out var single));
        Assert.Equal(["bash"], single);
    }
}
