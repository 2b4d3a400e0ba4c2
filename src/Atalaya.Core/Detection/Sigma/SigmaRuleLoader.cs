using Atalaya.Core.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Loads Sigma rules in stages: parse the YAML (syntax errors with their line), read the metadata,
/// compile the detection (modifiers, values, regexes, the condition; coded errors with the line of
/// the offending key), then decide whether the agent evaluates it (logsource and field mapping).
/// Never throws for bad input: every document yields one <see cref="SigmaLoadResult"/>.
/// The caller reads the file (Core does no I/O).
/// </summary>
public static class SigmaRuleLoader
{
    /// <summary>Rule files larger than this are refused (no real rule comes close; YAML bombs do).</summary>
    public const int MaxFileChars = 1024 * 1024;

    private static readonly HashSet<string> KnownStatuses = new(StringComparer.Ordinal) { "stable", "test", "experimental", "deprecated", "unsupported" };

    public static IReadOnlyList<SigmaLoadResult> Load(string path, string text, SigmaRuleSource source)
    {
        if (text.Length > MaxFileChars)
        {
            return [Failure(path, SigmaLoadStatus.Error, SigmaCodes.Yaml, $"file larger than {MaxFileChars / 1024} KiB", null)];
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            return [Failure(path, SigmaLoadStatus.Error, SigmaCodes.Yaml, "invalid YAML: " + FirstLine(ex.InnerException?.Message ?? ex.Message), ex.Start.Line)];
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Duplicate mapping keys surface as ArgumentException from the representation model.
            return [Failure(path, SigmaLoadStatus.Error, SigmaCodes.Yaml, "invalid YAML: " + FirstLine(ex.Message), null)];
        }

        if (stream.Documents.Count == 0)
        {
            return [Failure(path, SigmaLoadStatus.Error, SigmaCodes.Structure, "the file holds no YAML document", null)];
        }

        return [.. stream.Documents.Select(d => LoadDocument(path, d.RootNode, source))];
    }

    private static SigmaLoadResult LoadDocument(string path, YamlNode root, SigmaRuleSource source)
    {
        if (root is not YamlMappingNode rule)
        {
            return Failure(path, SigmaLoadStatus.Error, SigmaCodes.Structure, "a rule must be a YAML mapping", root.Start.Line);
        }

        var id = Scalar(rule, "id");
        var title = Scalar(rule, "title");
        try
        {
            if (rule.Children.ContainsKey(new YamlScalarNode("action")))
            {
                throw new SigmaCompileException(SigmaCodes.Structure, "rule collections ('action:' documents) are not supported", Child(rule, "action")!.Start.Line);
            }

            if (string.IsNullOrWhiteSpace(title))
            {
                throw new SigmaCompileException(SigmaCodes.Structure, "missing 'title'", rule.Start.Line);
            }

            var status = Scalar(rule, "status");
            if (status is not null && !KnownStatuses.Contains(status))
            {
                throw new SigmaCompileException(SigmaCodes.Metadata, $"unknown status '{status}'", Child(rule, "status")!.Start.Line);
            }

            var level = Scalar(rule, "level") ?? "medium";
            if (!SigmaScoring.Levels.Contains(level))
            {
                throw new SigmaCompileException(SigmaCodes.Metadata, $"unknown level '{level}' (informational, low, medium, high, critical)", Child(rule, "level")!.Start.Line);
            }

            if (rule.Children.ContainsKey(new YamlScalarNode("correlation")))
            {
                return SigmaCorrelationLoader.Load(path, rule, source, id, title, status, level);
            }

            if (Child(rule, "logsource") is not YamlMappingNode logsourceNode)
            {
                throw new SigmaCompileException(SigmaCodes.Structure, "missing 'logsource' mapping", rule.Start.Line);
            }

            if (Child(rule, "detection") is not YamlMappingNode detection)
            {
                throw new SigmaCompileException(SigmaCodes.Structure, "missing 'detection' mapping", rule.Start.Line);
            }

            var logsource = new SigmaLogSource(Scalar(logsourceNode, "product"), Scalar(logsourceNode, "category"), Scalar(logsourceNode, "service"));
            var (kind, notCollected) = Classify(logsource);
            var compiler = new DetectionCompiler();
            var condition = compiler.Compile(detection);
            var auditd = kind == SigmaEventKind.Auditd ? CompileAuditd(detection) : default;
            if (auditd.NotCollected is not null)
            {
                notCollected = auditd.NotCollected;
            }

            var tags = Strings(rule, "tags");
            var loaded = new SigmaRule(condition)
            {
                Id = id ?? "sigma:" + System.IO.Path.GetFileNameWithoutExtension(path),
                Name = Scalar(rule, "name"),
                Title = title,
                Status = status,
                Level = level,
                Author = Scalar(rule, "author"),
                Description = Scalar(rule, "description"),
                References = Strings(rule, "references"),
                Tags = tags,
                Techniques = TechniquesFromTags(tags),
                LogSource = logsource,
                FalsePositives = Strings(rule, "falsepositives"),
                License = source.ResolveLicense(Scalar(rule, "license"), path),
                Path = path,
                Ruleset = source.Ruleset,
                EventKind = kind,
                AuditdConditions = auditd.Conditions ?? [],
            };
            var result = new SigmaLoadResult { Path = path, Status = SigmaLoadStatus.Ok, Id = loaded.Id, Title = title, Rule = loaded };
            if (status is "deprecated" or "unsupported")
            {
                return result with { Status = SigmaLoadStatus.Skipped, Rule = null, Code = SigmaCodes.Retired, Message = $"status {status}", Line = Child(rule, "status")!.Start.Line };
            }

            if (notCollected is not null)
            {
                return result with { Status = SigmaLoadStatus.Skipped, Rule = null, Code = SigmaCodes.LogSourceNotCollected, Message = notCollected, Line = logsourceNode.Start.Line };
            }

            if (auditd.Unavailable is var (unavailableField, unavailableLine, recordType))
            {
                return result with
                {
                    Status = SigmaLoadStatus.Skipped,
                    Rule = null,
                    Code = SigmaCodes.UnmappedField,
                    Message = $"field {unavailableField} of auditd {recordType} records is not provided by the agent's audit view",
                    Line = unavailableLine,
                };
            }

            if (kind != SigmaEventKind.Auditd && compiler.Unmapped.Count > 0)
            {
                var (field, line) = compiler.Unmapped[0];
                var more = compiler.Unmapped.Count > 1 ? $" (also {string.Join(", ", compiler.Unmapped.Skip(1).Select(u => u.Field).Distinct(StringComparer.Ordinal))})" : "";
                return result with { Status = SigmaLoadStatus.Skipped, Rule = null, Code = SigmaCodes.UnmappedField, Message = $"field {field} has no mapping{more}", Line = line };
            }

            return result;
        }
        catch (SigmaCompileException ex)
        {
            return Failure(path, SigmaLoadStatus.Error, ex.Code, ex.Message, ex.Line) with { Id = id, Title = title };
        }
    }

    /// <summary>
    /// An auditd rule once per record type the view presents, <c>type</c> tests folded. Record types
    /// the rule cannot match drop out; none left means it needs records we do not produce.
    /// </summary>
    private static ((AuditdRecordType, SigmaCondition)[]? Conditions, string? NotCollected, (string, long, string)? Unavailable) CompileAuditd(YamlMappingNode detection)
    {
        var conditions = new List<(AuditdRecordType, SigmaCondition)>();
        var types = new List<string>();
        foreach (var type in AuditdView.Types)
        {
            var compiler = new DetectionCompiler(type);
            var condition = compiler.Compile(detection);
            types.AddRange(compiler.AuditdTypes);
            if (condition.Constant == false)
            {
                continue;
            }

            if (condition.Walk().OfType<UnavailableFieldCondition>().FirstOrDefault() is { } unavailable)
            {
                return (null, null, (unavailable.Field, unavailable.Line, AuditdView.TypeName(type)));
            }

            conditions.Add((type, condition));
        }

        if (conditions.Count == 0)
        {
            var wanted = string.Join(", ", types.Select(t => t.ToUpperInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            return (null, $"logsource service auditd: the rule reads only {(wanted.Length == 0 ? "records" : wanted + " records")}, and the agent presents EXECVE, SYSCALL and PATH records", null);
        }

        return ([.. conditions], null, null);
    }

    /// <summary>Which of our events a logsource reads, or why none of them.</summary>
    internal static (SigmaEventKind Kind, string? NotCollected) Classify(SigmaLogSource source)
    {
        if (source.Product is { } product && !product.Equals("linux", StringComparison.OrdinalIgnoreCase))
        {
            return (SigmaEventKind.NotCollected, $"logsource product {product}: this agent collects Linux events");
        }

        if (string.Equals(source.Service, "auditd", StringComparison.OrdinalIgnoreCase) && source.Category is null)
        {
            return (SigmaEventKind.Auditd, null);
        }

        if (source.Service is { } service)
        {
            return (SigmaEventKind.NotCollected, $"logsource service {service}: that log is not collected yet");
        }

        return source.Category switch
        {
            "process_creation" => (SigmaEventKind.ProcessCreation, null),
            "network_connection" => (SigmaEventKind.NetworkConnection, null),
            "file_event" or "file_change" => (SigmaEventKind.FileEvent, null),
            "authentication" => (SigmaEventKind.Authentication, null),
            null => (SigmaEventKind.NotCollected, "logsource without category or service (keywords over raw log lines): no log lines are collected yet"),
            var other => (SigmaEventKind.NotCollected, $"logsource category {other}: no such events are collected yet"),
        };
    }

    /// <summary><c>attack.t1059.004</c> → <c>T1059.004</c>; tactic, group and software tags are not techniques.</summary>
    internal static IReadOnlyList<string> TechniquesFromTags(IReadOnlyList<string> tags)
    {
        var result = new List<string>();
        foreach (var tag in tags)
        {
            if (!tag.StartsWith("attack.t", StringComparison.OrdinalIgnoreCase) || tag.Length < 12)
            {
                continue;
            }

            var id = tag[7..];
            var digits = id.AsSpan(1);
            var dot = digits.IndexOf('.');
            var main = dot < 0 ? digits : digits[..dot];
            if (main.Length == 4 && int.TryParse(main, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
                && (dot < 0 || (digits.Length - dot - 1 == 3 && int.TryParse(digits[(dot + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))))
            {
                var canonical = Analytics.Techniques.Canonical(id);
                if (!result.Contains(canonical))
                {
                    result.Add(canonical);
                }
            }
        }

        return result;
    }

    internal static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    internal static string? Scalar(YamlMappingNode map, string key) =>
        Child(map, key) is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;

    internal static IReadOnlyList<string> Strings(YamlMappingNode map, string key) => Child(map, key) switch
    {
        YamlSequenceNode list => [.. list.OfType<YamlScalarNode>().Select(s => s.Value).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!)],
        YamlScalarNode { Value: { Length: > 0 } one } => [one],
        _ => [],
    };

    private static SigmaLoadResult Failure(string path, SigmaLoadStatus status, string code, string message, long? line) =>
        new() { Path = path, Status = status, Code = code, Message = message, Line = line };

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
