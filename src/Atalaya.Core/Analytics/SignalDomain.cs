namespace Atalaya.Core.Analytics;

/// <summary>The area of the host a signal speaks about; signals across two or more domains score higher.</summary>
public enum SignalDomain
{
    Process,
    Network,
    Persistence,
    File,
    Account,
}
