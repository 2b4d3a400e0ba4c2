using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// A fact that needs the netlink process connector (root, initial pid namespace): skipped with the
/// probe's reason elsewhere, so the reason shows in the test report instead of a silent pass.
/// </summary>
public sealed class ProcConnectorFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> SkipReason = new(() =>
        NetlinkProcessCollector.Probe(new NetlinkProcessCollectorOptions(), out var reason) ? null : $"proc connector unavailable: {reason}");

    public ProcConnectorFactAttribute()
    {
        if (SkipReason.Value is { } reason)
        {
            Skip = reason;
        }
    }
}
