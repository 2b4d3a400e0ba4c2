namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Where rules come from, for attribution on alerts. <see cref="DefaultLicense"/> applies to rules
/// without a <c>license</c> key; when it is null, a rule under a folder named <c>sigma</c> (a
/// SigmaHQ checkout) is DRL-1.1 and anything else is credited to "Atalaya".
/// </summary>
public sealed record SigmaRuleSource(string Ruleset, string? DefaultLicense = null)
{
    /// <summary>The rules shipped in the project's <c>rules/sigma</c> folder.</summary>
    public static SigmaRuleSource Shipped { get; } = new("atalaya", "Atalaya");

    /// <summary>An external folder given with <c>--rules DIR</c>.</summary>
    public static SigmaRuleSource External { get; } = new("sigma");

    public const string SigmaHqLicense = "DRL-1.1";

    public string ResolveLicense(string? ruleLicense, string path)
    {
        if (!string.IsNullOrWhiteSpace(ruleLicense))
        {
            return ruleLicense;
        }

        if (DefaultLicense is not null)
        {
            return DefaultLicense;
        }

        var segments = path.Split('/', '\\');
        return segments.Any(s => s.Equals("sigma", StringComparison.OrdinalIgnoreCase)) ? SigmaHqLicense : "Atalaya";
    }
}
