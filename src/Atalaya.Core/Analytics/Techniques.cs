namespace Atalaya.Core.Analytics;

/// <summary>
/// ATT&amp;CK technique ids used by the built-in analytics and rules, with their names for alerts.
/// One table so every alert names its techniques the same way.
/// </summary>
public static class Techniques
{
    public const string MasqueradeMatchName = "T1036.005";
    public const string HiddenFilesAndDirectories = "T1564.001";
    public const string FileDeletion = "T1070.004";
    public const string NonStandardPort = "T1571";
    public const string ApplicationLayerProtocol = "T1071";
    public const string Rootkit = "T1014";
    public const string Masquerading = "T1036";
    public const string MasqueradeTaskOrService = "T1036.004";
    public const string ProcessInjection = "T1055";
    public const string PtraceSystemCalls = "T1055.008";
    public const string CommandAndScriptingInterpreter = "T1059";
    public const string UnixShell = "T1059.004";
    public const string DynamicLinkerHijacking = "T1574.006";
    public const string ReflectiveCodeLoading = "T1620";
    public const string CompromiseHostSoftwareBinary = "T1554";
    public const string SshAuthorizedKeys = "T1098.004";
    public const string AccountManipulation = "T1098";
    public const string LocalAccount = "T1136.001";
    public const string Cron = "T1053.003";
    public const string SystemdService = "T1543.002";

    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["T1003"] = "OS Credential Dumping",
        ["T1014"] = "Rootkit",
        ["T1036"] = "Masquerading",
        ["T1036.004"] = "Masquerading: Masquerade Task or Service",
        ["T1036.005"] = "Masquerading: Match Legitimate Resource Name or Location",
        ["T1037"] = "Boot or Logon Initialization Scripts",
        ["T1037.004"] = "Boot or Logon Initialization Scripts: RC Scripts",
        ["T1053.002"] = "Scheduled Task/Job: At",
        ["T1053.006"] = "Scheduled Task/Job: Systemd Timers",
        ["T1078"] = "Valid Accounts",
        ["T1078.003"] = "Valid Accounts: Local Accounts",
        ["T1546.017"] = "Event Triggered Execution: Udev Rules",
        ["T1547.013"] = "Boot or Logon Autostart Execution: XDG Autostart Entries",
        ["T1548.003"] = "Abuse Elevation Control Mechanism: Sudo and Sudo Caching",
        ["T1556.003"] = "Modify Authentication Process: Pluggable Authentication Modules",
        ["T1027"] = "Obfuscated Files or Information",
        ["T1046"] = "Network Service Discovery",
        ["T1053.003"] = "Scheduled Task/Job: Cron",
        ["T1055"] = "Process Injection",
        ["T1055.008"] = "Process Injection: Ptrace System Calls",
        ["T1059"] = "Command and Scripting Interpreter",
        ["T1059.004"] = "Command and Scripting Interpreter: Unix Shell",
        ["T1070.002"] = "Indicator Removal: Clear Linux or Mac System Logs",
        ["T1070.003"] = "Indicator Removal: Clear Command History",
        ["T1070.004"] = "Indicator Removal: File Deletion",
        ["T1071"] = "Application Layer Protocol",
        ["T1090.003"] = "Proxy: Multi-hop Proxy",
        ["T1098"] = "Account Manipulation",
        ["T1098.004"] = "Account Manipulation: SSH Authorized Keys",
        ["T1105"] = "Ingress Tool Transfer",
        ["T1110"] = "Brute Force",
        ["T1133"] = "External Remote Services",
        ["T1136.001"] = "Create Account: Local Account",
        ["T1205"] = "Traffic Signaling",
        ["T1496"] = "Resource Hijacking",
        ["T1543.002"] = "Create or Modify System Process: Systemd Service",
        ["T1546.004"] = "Event Triggered Execution: Unix Shell Configuration Modification",
        ["T1547.006"] = "Boot or Logon Autostart Execution: Kernel Modules and Extensions",
        ["T1548.001"] = "Abuse Elevation Control Mechanism: Setuid and Setgid",
        ["T1554"] = "Compromise Host Software Binary",
        ["T1564.001"] = "Hide Artifacts: Hidden Files and Directories",
        ["T1571"] = "Non-Standard Port",
        ["T1573"] = "Encrypted Channel",
        ["T1574.006"] = "Hijack Execution Flow: Dynamic Linker Hijacking",
        ["T1620"] = "Reflective Code Loading",
    };

    /// <summary>
    /// Ids ATT&amp;CK retired in v19 and the ids that replaced them. Rules written before v19
    /// (every SigmaHQ rule) still carry the old ids; alerts always carry the current one.
    /// </summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["T1562.001"] = "T1685",
        ["T1070.002"] = "T1685.006",
        ["T1562.004"] = "T1686",
    };

    public static string? NameOf(string id) => Names.GetValueOrDefault(id);

    /// <summary>The current id for a technique id (upper-cased; pre-v19 ids mapped through the alias table).</summary>
    public static string Canonical(string id)
    {
        var upper = id.ToUpperInvariant();
        return Aliases.GetValueOrDefault(upper, upper);
    }
}
