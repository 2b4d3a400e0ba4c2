using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Atalaya.Core.Storage;
using Atalaya.Storage;
using Atalaya.TestKit;

namespace Atalaya.Scenarios.Agent;

/// <summary>`atalaya run` as a real child process: it sees what the test does, stores it, and survives being killed.</summary>
public sealed class RunScenarioTests
{
    [Fact]
    public async Task The_running_agent_alerts_on_a_masquerade_and_inventories_a_listener_then_stops_cleanly_on_sigterm()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        using var agent = AtalayaCli.Start(["run", "--data-dir", data]);
        await WaitUntilRunningAsync(data, agent);

        var fake = temp.Combine("sshd");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var disguised = SpawnedProcess.Start(fake, ["300"]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var alerts = await Eventually.WaitForAsync(
            () => Ndjson.Parse(AtalayaCli.Run(["alerts", "--json", "--data-dir", data]).StandardOutput),
            found => found.Any(a => a.Int("process.pid") == disguised.Pid),
            attempts: 60, delayMilliseconds: 500);
        var alert = alerts.FirstOrDefault(a => a.Int("process.pid") == disguised.Pid);
        Assert.True(alert.ValueKind == JsonValueKind.Object, "no alert for the disguised process; agent output:\n" + agent.StandardOutput);
        Assert.Contains("T1036.005", alert.Strings("threat.technique.id"));
        Assert.True(alert.Int("event.risk_score") >= 75);
        Atalaya.Scenarios.Cli.ScanScenarioTests.AssertAlertContract(alert);

        var network = await Eventually.WaitForAsync(
            () => Ndjson.Parse(AtalayaCli.Run(["events", "--category", "network", "--json", "--limit", "5000", "--data-dir", data]).StandardOutput),
            found => found.Any(e => e.Int("source.port") == port),
            attempts: 40, delayMilliseconds: 500);
        var listening = network.First(e => e.Int("source.port") == port);
        Assert.Equal(Environment.ProcessId, listening.Int("process.pid"));
        Assert.Equal("listening", listening.Str("network.direction"));
        Assert.Equal("loopback", listening.Str("atalaya.network.exposure"));

        PosixSignals.Send(agent.Pid, PosixSignals.SigTerm);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(60)), "the agent did not stop on SIGTERM:\n" + agent.StandardOutput);
        Assert.True(agent.Process.ExitCode == 0, agent.StandardOutput + agent.StandardError);
        Assert.Contains("stopped:", agent.StandardOutput, StringComparison.Ordinal);

        using var status = JsonDocument.Parse(AtalayaCli.Run(["status", "--json", "--data-dir", data]).StandardOutput);
        Assert.Equal("stopped", status.RootElement.GetProperty("state").GetString());
        var sensors = status.RootElement.GetProperty("collectors").EnumerateArray().Select(c => c.GetProperty("sensor").GetString()).ToList();
        // The sensor ladders: the kernel program with the connector as root in the initial pid namespace
        // (the connector alone without BTF or clang at build time, polling elsewhere),
        // sock_diag where the kernel answers it (/proc/net otherwise).
        Assert.Contains(sensors, s => s is "ebpf-tracepoints" or "netlink-proc-connector" or "procfs-polling");
        Assert.Contains("proc-listing-vs-kill", sensors);
        Assert.Contains(sensors, s => s is "netlink-sock-diag" or "procfs-net-polling");
    }

    [Fact]
    public async Task The_store_survives_sigkill_of_the_agent()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        var fake = temp.Combine("cron");
        File.Copy("/usr/bin/sleep", fake);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var disguised = SpawnedProcess.Start(fake, ["300"]);

        using (var agent = AtalayaCli.Start(["run", "--data-dir", data]))
        {
            await WaitUntilRunningAsync(data, agent);
            await Eventually.WaitForAsync(
                () => Ndjson.Parse(AtalayaCli.Run(["alerts", "--json", "--data-dir", data]).StandardOutput),
                found => found.Any(a => a.Int("process.pid") == disguised.Pid),
                attempts: 60, delayMilliseconds: 500);
            PosixSignals.Send(agent.Pid, PosixSignals.SigKill);
            Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        using (var store = SqliteEventStore.OpenReadOnly(data))
        {
            var statistics = store.GetStatistics();
            Assert.True(statistics.EventCount > 0, "no events survived");
            Assert.Contains(store.QueryAlerts(new AlertQuery()), a => a.Process?.Pid == disguised.Pid);
            Assert.NotEmpty(store.QueryEvents(new EventQuery(Category: "process", Limit: 10)));
        }

        // The next agent reopens the same store and goes on.
        var again = AtalayaCli.Run(["run", "--duration", "3s", "--quiet", "--data-dir", data]);
        Assert.True(again.ExitCode == 0, again.ToString());
    }

    private static async Task WaitUntilRunningAsync(string data, SpawnedProcess agent)
    {
        var running = await Eventually.WaitForAsync(
            () => File.Exists(Path.Combine(data, SqliteEventStore.FileName))
                   && AtalayaCli.Run(["status", "--json", "--data-dir", data]) is { ExitCode: 0 } status
                   && status.StandardOutput.Contains("\"state\":\"running\"", StringComparison.Ordinal),
            ok => ok || agent.HasExited,
            attempts: 60, delayMilliseconds: 500);
        Assert.True(running, "the agent did not start:\n" + agent.StandardOutput + agent.StandardError);
    }
}
