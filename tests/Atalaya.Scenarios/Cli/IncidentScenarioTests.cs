using Atalaya.TestKit;

namespace Atalaya.Scenarios.Cli;

/// <summary>A small attack from one shell script: a disguised sshd and a listener on every interface.</summary>
public sealed class IncidentScenarioTests
{
    [Fact]
    public async Task A_script_that_starts_a_fake_sshd_and_an_exposed_listener_is_one_incident()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        var fake = temp.Combine("sshd");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var listener = temp.Combine("httpd-worker");
        File.Copy("/usr/bin/perl", listener);
        File.SetUnixFileMode(listener, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var ready = temp.Combine("ready");
        var script = temp.WriteFile("run.sh", $$"""
            #!/bin/sh
            '{{fake}}' 300 &
            '{{listener}}' -MIO::Socket::INET -e '$s = IO::Socket::INET->new(Listen => 1, LocalAddr => "0.0.0.0", LocalPort => 0) or die; open(F, ">", "{{ready}}"); print F $s->sockport; close F; sleep 300' &
            wait
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        using var attack = SpawnedProcess.Start("/bin/sh", [script]);
        try
        {
            var listening = await Eventually.WaitForAsync(() => File.Exists(ready) && new FileInfo(ready).Length > 0, ok => ok, attempts: 100, delayMilliseconds: 100);
            Assert.True(listening, "the listener did not start");

            var scan = AtalayaCli.Run(["scan", "--json", "--data-dir", data]);
            Assert.True(scan.ExitCode == 1, scan.ToString());
            var alerts = Ndjson.Parse(scan.StandardOutput);
            var masquerade = alerts.Single(a => a.Str("process.executable") == fake);
            var exposed = alerts.Single(a => a.Str("process.executable") == listener);

            var result = AtalayaCli.Run(["incidents", "--json", "--data-dir", data]);
            Assert.True(result.ExitCode == 0, result.ToString());
            var incidents = Ndjson.Parse(result.StandardOutput);
            var incident = incidents.Single(i => i.Path("alert_ids")!.Value.EnumerateArray().Any(a => a.GetString() == masquerade.Str("atalaya.alert_id")));
            var members = incident.Path("alert_ids")!.Value.EnumerateArray().Select(a => a.GetString()).ToList();
            Assert.Contains(exposed.Str("atalaya.alert_id"), members);
            Assert.Contains("process", incident.Strings("domains"));
            Assert.Contains("network", incident.Strings("domains"));
            Assert.True(incident.Int("score") >= Math.Max(masquerade.Int("event.risk_score")!.Value, exposed.Int("event.risk_score")!.Value), incident.ToString());
            var timeline = incident.Path("timeline")!.Value.EnumerateArray().ToList();
            Assert.Contains(timeline, t => t.Str("executable") == fake && t.Str("domain") == "process");
            Assert.Contains(timeline, t => t.Str("executable") == listener && t.Str("domain") == "network");

            var text = AtalayaCli.Run(["incidents", "--data-dir", data]);
            Assert.Contains(incident.Str("id")!, text.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            // The script's children are ours too: end them by the pids the kernel lists as the script's children.
            foreach (var child in ChildrenOf(attack.Pid))
            {
                PosixSignals.Send(child, PosixSignals.SigTerm);
            }
        }
    }

    private static List<int> ChildrenOf(int pid)
    {
        var path = $"/proc/{pid}/task/{pid}/children";
        return File.Exists(path)
            ? [.. File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)]
            : [];
    }
}
