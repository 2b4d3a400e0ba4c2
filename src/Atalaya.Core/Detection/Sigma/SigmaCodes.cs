namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Coded reasons a rule does not load. SIGMA0xx are errors (the rule is invalid or uses something
/// this engine does not implement); SIGMA1xx are deliberate skips (valid Sigma the agent has no
/// events for yet). The codes are stable: users grep for them and tests assert them.
/// </summary>
public static class SigmaCodes
{
    /// <summary>The file is not valid YAML.</summary>
    public const string Yaml = "SIGMA001";

    /// <summary>A required key is missing or has the wrong shape (title, logsource, detection, condition).</summary>
    public const string Structure = "SIGMA002";

    /// <summary>The condition does not parse.</summary>
    public const string Condition = "SIGMA003";

    /// <summary>A value modifier this engine does not know.</summary>
    public const string UnknownModifier = "SIGMA004";

    /// <summary>A <c>|re</c> pattern that does not compile.</summary>
    public const string Regex = "SIGMA005";

    /// <summary>A value that its modifiers cannot use (a bad CIDR, a non-number for gt, wildcards under base64...).</summary>
    public const string Value = "SIGMA006";

    /// <summary>The condition names a search identifier the detection does not define.</summary>
    public const string UnknownIdentifier = "SIGMA007";

    /// <summary>A metadata value outside the specification (level, status).</summary>
    public const string Metadata = "SIGMA008";

    /// <summary>Skipped: the logsource names events the agent does not collect yet.</summary>
    public const string LogSourceNotCollected = "SIGMA100";

    /// <summary>Skipped: a field the rule uses has no mapping onto our events.</summary>
    public const string UnmappedField = "SIGMA101";

    /// <summary>A correlation references a rule that is not loaded (by id or name), or references form a cycle.</summary>
    public const string CorrelationReference = "SIGMA009";

    /// <summary>Skipped: a correlation feature this engine does not evaluate (field aliases).</summary>
    public const string Correlation = "SIGMA102";

    /// <summary>Skipped: the rule's status is deprecated or unsupported.</summary>
    public const string Retired = "SIGMA103";
}

/// <summary>Thrown inside the compiler and turned into a <see cref="SigmaLoadResult"/>; never escapes the loader.</summary>
internal sealed class SigmaCompileException(string code, string message, long line) : Exception(message)
{
    public string Code { get; } = code;

    public long Line { get; } = line;
}
