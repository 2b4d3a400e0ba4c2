namespace Atalaya.Core.Analytics;

/// <summary>ATT&amp;CK technique ids used by the built-in analytics, with their names for alerts.</summary>
public static class Techniques
{
    public const string MasqueradeMatchName = "T1036.005";
    public const string HiddenFilesAndDirectories = "T1564.001";
    public const string FileDeletion = "T1070.004";
    public const string NonStandardPort = "T1571";
    public const string ApplicationLayerProtocol = "T1071";

    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        [MasqueradeMatchName] = "Masquerading: Match Legitimate Resource Name or Location",
        [HiddenFilesAndDirectories] = "Hide Artifacts: Hidden Files and Directories",
        [FileDeletion] = "Indicator Removal: File Deletion",
        [NonStandardPort] = "Non-Standard Port",
        [ApplicationLayerProtocol] = "Application Layer Protocol",
    };

    public static string? NameOf(string id) => Names.GetValueOrDefault(id);
}
