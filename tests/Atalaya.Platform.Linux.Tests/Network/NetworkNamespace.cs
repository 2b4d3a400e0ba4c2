using System.Diagnostics;
using Atalaya.TestKit;

namespace Atalaya.Platform.Linux.Tests.Network;

/// <summary>
/// A network namespace with a veth pair: the host side is 198.51.100.1/24, the namespace side
/// 198.51.100.10/24 (a documentation range, the "fake public host"). Created with iproute2 through
/// argument lists; deleting the namespace also deletes the veth pair, and the host end is deleted
/// again in case the namespace went first. <see cref="UnavailableReason"/> says why it could not be
/// built (not root, no iproute2, a kernel or container without netns), for tests to skip with.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    public const string HostAddress = "198.51.100.1";
    public const string PeerAddress = "198.51.100.10";

    private readonly string _hostLink;
    private bool _created;

    public NetworkNamespace()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        Name = $"atl-{id}";
        _hostLink = $"atlh{id}";
        var peerLink = $"atln{id}";
        UnavailableReason = Run(["netns", "add", Name]);
        if (UnavailableReason is not null)
        {
            return;
        }

        _created = true;
        UnavailableReason =
            Run(["link", "add", _hostLink, "type", "veth", "peer", "name", peerLink])
            ?? Run(["link", "set", peerLink, "netns", Name])
            ?? Run(["addr", "add", $"{HostAddress}/24", "dev", _hostLink])
            ?? Run(["link", "set", _hostLink, "up"])
            ?? Run(["netns", "exec", Name, "ip", "addr", "add", $"{PeerAddress}/24", "dev", peerLink])
            ?? Run(["netns", "exec", Name, "ip", "link", "set", peerLink, "up"])
            ?? Run(["netns", "exec", Name, "ip", "link", "set", "lo", "up"]);
    }

    public string Name { get; }

    public string? UnavailableReason { get; }

    /// <summary>Starts a program inside the namespace (argument list, no shell), killed by pid on dispose.</summary>
    public SpawnedProcess Start(string executable, IEnumerable<string> arguments) =>
        SpawnedProcess.Start("ip", ["netns", "exec", Name, executable, .. arguments], redirectOutput: true);

    public void Dispose()
    {
        if (_created)
        {
            Run(["netns", "del", Name]);
            _created = false;
        }

        Run(["link", "del", _hostLink]);
    }

    /// <summary>Runs ip with these arguments; null on success, else what went wrong.</summary>
    private static string? Run(string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill();
                return $"ip {string.Join(' ', arguments)} timed out";
            }

            return process.ExitCode == 0 ? null : $"ip {string.Join(' ', arguments)} failed: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"iproute2 is not installed ({ex.Message})";
        }
    }
}
