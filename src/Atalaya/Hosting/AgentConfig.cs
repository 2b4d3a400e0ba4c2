using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atalaya.Cli.Hosting;

/// <summary>
/// The optional configuration file (<c>--config FILE</c>, JSON). Every setting has a default;
/// command-line options win over the file.
/// </summary>
internal sealed record AgentConfig
{
    public string? DataDir { get; set; }

    /// <summary>Folder with rules/ data (catalogs); default: the one shipped beside the binary.</summary>
    public string? RulesDir { get; set; }

    /// <summary>Folders of threat-intelligence indicator files, on top of DATA_DIR/intel.</summary>
    public IReadOnlyList<string>? IntelDirs { get; set; }

    /// <summary>How often `run` re-reads the intel folders (when a file changed) and the allowlist.</summary>
    public double ReloadSeconds { get; set; } = 10;

    /// <summary>Baseline learning inside `run` (see <see cref="BaselineConfig"/>).</summary>
    public BaselineConfig Baseline { get; set; } = new();

    /// <summary>Scan executables with the YARA rules (needs libyara9; without it YARA reports itself unavailable).</summary>
    public bool Yara { get; set; } = true;

    /// <summary>Folder of YARA rule files (*.yar, *.yara); default: rules/yara.</summary>
    public string? YaraRulesDir { get; set; }

    public double ProcessIntervalSeconds { get; set; } = 1;

    public double NetworkIntervalSeconds { get; set; } = 1;

    public int RetentionDays { get; set; } = 30;

    public long MaxDatabaseMegabytes { get; set; } = 2048;

    /// <summary>
    /// Use the kernel audit subsystem when running as root and no audit daemon owns it.
    /// The environment variable ATALAYA_AUDIT=off overrides it (the test suite uses that so
    /// agents it starts never compete with the audit tests for the subsystem).
    /// </summary>
    public bool Audit { get; set; } = true;

    /// <summary>
    /// Address blocks (CIDR) this organisation counts as internal beyond the private ranges, like
    /// the seed's INTERNAL_IP_RANGES_CIDR: egress analytics do not treat them as the internet.
    /// </summary>
    public IReadOnlyList<string>? InternalNetworks { get; set; }

    /// <summary><see cref="InternalNetworks"/> parsed (checked by <see cref="Load"/>).</summary>
    [JsonIgnore]
    public Atalaya.Core.Analytics.Network.InternalNetworks ParsedInternalNetworks =>
        Atalaya.Core.Analytics.Network.InternalNetworks.TryParse(InternalNetworks ?? [], out var networks, out _) ? networks : Atalaya.Core.Analytics.Network.InternalNetworks.None;

    [JsonIgnore]
    public bool AuditEnabled => Audit && !string.Equals(Environment.GetEnvironmentVariable("ATALAYA_AUDIT"), "off", StringComparison.OrdinalIgnoreCase);

    public static AgentConfig Load(string? path)
    {
        if (path is null)
        {
            return new AgentConfig();
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the config file {path}: {ex.Message}");
        }

        AgentConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(text, AgentConfigJson.Default.AgentConfig);
        }
        catch (JsonException ex)
        {
            throw new CliException($"the config file {path} is not valid: {ex.Message}");
        }

        config ??= new AgentConfig();
        if (config.ProcessIntervalSeconds is <= 0 or > 3600 || config.NetworkIntervalSeconds is <= 0 or > 3600
            || config.ReloadSeconds is <= 0 or > 3600)
        {
            throw new CliException($"the config file {path}: intervals must be between 0 and 3600 seconds");
        }

        if (config.Baseline.LearnDays is < 0 or > 365 || config.Baseline.PromoteAfter < 1)
        {
            throw new CliException($"the config file {path}: baseline.learnDays must be between 0 and 365 and baseline.promoteAfter at least 1");
        }

        if (config.RetentionDays < 1 || config.MaxDatabaseMegabytes < 16)
        {
            throw new CliException($"the config file {path}: retentionDays must be at least 1 and maxDatabaseMegabytes at least 16");
        }

        if (!Atalaya.Core.Analytics.Network.InternalNetworks.TryParse(config.InternalNetworks ?? [], out _, out var networkError))
        {
            throw new CliException($"the config file {path}: internalNetworks: {networkError}");
        }

        return config;
    }
}

/// <summary>
/// <c>baseline</c> in the config file. <c>learnDays</c> (default 3): the first days after the first
/// <c>run</c> on a data directory are a learning period; facts seen in <c>promoteAfter</c> (default 3)
/// distinct hours join the baseline at its end, and first-seen signals start. Three days let a daily
/// job be sighted three times; 0 turns automatic learning off (use <c>atalaya baseline learn</c>).
/// </summary>
internal sealed record BaselineConfig
{
    public double LearnDays { get; set; } = 3;

    public int PromoteAfter { get; set; } = 3;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(AgentConfig))]
internal sealed partial class AgentConfigJson : JsonSerializerContext;
