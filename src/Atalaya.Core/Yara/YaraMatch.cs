namespace Atalaya.Core.Yara;

/// <summary>One YARA rule that matched a file: its identifier, namespace (the rule file), tags and metadata.</summary>
public sealed record YaraMatch(string Rule, string Namespace, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Meta);
