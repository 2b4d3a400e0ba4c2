namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Binds each correlation's <c>rules:</c> entries to the loaded rules and correlations (by id, then
/// by name) once the whole set is known. A reference to a rule that is not loaded (missing, skipped,
/// broken), a duplicate id, or a cycle of correlations makes that correlation an error
/// (<see cref="SigmaCodes.CorrelationReference"/>), and so does a reference to such a correlation.
/// </summary>
internal static class SigmaCorrelationResolver
{
    public static (List<SigmaLoadResult> Results, SigmaCorrelationIndex Index) Resolve(List<SigmaLoadResult> results)
    {
        if (!results.Any(r => r.Correlation is not null))
        {
            return (results, SigmaCorrelationIndex.Empty);
        }

        var resolved = new List<SigmaLoadResult>(results);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in resolved.Where(r => r.Rule is not null))
        {
            ids.TryAdd(rule.Rule!.Id, rule.Path);
        }

        for (var i = 0; i < resolved.Count; i++)
        {
            if (resolved[i].Correlation is { } duplicate && !ids.TryAdd(duplicate.Id, resolved[i].Path))
            {
                resolved[i] = Fail(resolved[i], SigmaCodes.Structure, $"duplicate id {duplicate.Id} (already loaded from {ids[duplicate.Id]})", null);
            }
        }

        // Cycles first, while every correlation can still be looked up, so each member of a cycle
        // says so (instead of "references a rule that is not loaded").
        var (allById, allByName) = Lookups(resolved);
        foreach (var result in resolved)
        {
            if (result.Correlation is { } correlation)
            {
                correlation.Sources = [.. correlation.RuleReferences.Select(r => allById.GetValueOrDefault(r) ?? allByName.GetValueOrDefault(r)).OfType<object>()];
            }
        }

        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < resolved.Count; i++)
        {
            if (resolved[i].Correlation is { } correlation && ReachesItself(correlation))
            {
                resolved[i] = Fail(resolved[i], SigmaCodes.CorrelationReference, "its references form a cycle", failed);
            }
        }

        // A failure can make a correlation that references this one fail too: repeat until stable.
        bool changed;
        do
        {
            changed = false;
            var (byId, byName) = Lookups(resolved);

            for (var i = 0; i < resolved.Count; i++)
            {
                if (resolved[i].Correlation is not { } correlation)
                {
                    continue;
                }

                var sources = new object[correlation.RuleReferences.Count];
                string? problem = null;
                for (var s = 0; s < sources.Length && problem is null; s++)
                {
                    var reference = correlation.RuleReferences[s];
                    if (byId.TryGetValue(reference, out var found) || byName.TryGetValue(reference, out found))
                    {
                        sources[s] = found;
                    }
                    else
                    {
                        problem = $"references rule '{reference}', which is not loaded" + Why(results, failed, reference);
                    }
                }

                if (problem is null && sources.Distinct(ReferenceEqualityComparer.Instance).Count() != sources.Length)
                {
                    problem = "references the same rule twice";
                }

                if (problem is null)
                {
                    correlation.Sources = sources;
                    if (ReachesItself(correlation))
                    {
                        problem = "its references form a cycle";
                    }
                }

                if (problem is not null)
                {
                    resolved[i] = Fail(resolved[i], SigmaCodes.CorrelationReference, problem, failed);
                    changed = true;
                }
            }
        }
        while (changed);

        var correlations = resolved.Where(r => r.Correlation is not null).Select(r => r.Correlation!).ToList();
        return (resolved, new SigmaCorrelationIndex(correlations));
    }

    private static (Dictionary<string, object> ById, Dictionary<string, object> ByName) Lookups(List<SigmaLoadResult> results)
    {
        var byId = new Dictionary<string, object>(StringComparer.Ordinal);
        var byName = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            object? loaded = (object?)result.Rule ?? result.Correlation;
            if (loaded is null)
            {
                continue;
            }

            byId.TryAdd(result.Rule?.Id ?? result.Correlation!.Id, loaded);
            if ((result.Rule?.Name ?? result.Correlation?.Name) is { } name)
            {
                byName.TryAdd(name, loaded);
            }
        }

        return (byId, byName);
    }

    private static string Why(List<SigmaLoadResult> results, Dictionary<string, string> failed, string reference)
    {
        if (failed.TryGetValue(reference, out var reason))
        {
            return $" ({reason})";
        }

        var named = results.FirstOrDefault(r => r.Id == reference || r.Rule?.Name == reference);
        return named?.Reason is { } other ? $" ({other})" : "";
    }

    private static bool ReachesItself(SigmaCorrelation start)
    {
        var seen = new HashSet<SigmaCorrelation>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<SigmaCorrelation>(start.Sources.OfType<SigmaCorrelation>());
        while (pending.TryPop(out var next))
        {
            if (ReferenceEquals(next, start))
            {
                return true;
            }

            if (seen.Add(next))
            {
                foreach (var source in next.Sources.OfType<SigmaCorrelation>())
                {
                    pending.Push(source);
                }
            }
        }

        return false;
    }

    private static SigmaLoadResult Fail(SigmaLoadResult result, string code, string message, Dictionary<string, string>? failed)
    {
        var failure = result with { Status = SigmaLoadStatus.Error, Correlation = null, Code = code, Message = message };
        if (failed is not null && result.Correlation is { } correlation)
        {
            failed[correlation.Id] = failure.Reason!;
            if (correlation.Name is { } name)
            {
                failed[name] = failure.Reason!;
            }
        }

        return failure;
    }
}

/// <summary>
/// Which correlations consume each rule (or correlation), at which position of their <c>rules:</c>,
/// and which rules stay silent because a correlation references them without <c>generate: true</c>
/// (specification v2: by default only the correlation produces results).
/// </summary>
internal sealed class SigmaCorrelationIndex
{
    private readonly Dictionary<object, (SigmaCorrelation Correlation, int Position)[]> _consumers = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<object> _silent = new(ReferenceEqualityComparer.Instance);

    public SigmaCorrelationIndex(IReadOnlyList<SigmaCorrelation> correlations)
    {
        Correlations = correlations;
        var generated = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var consumers = new Dictionary<object, List<(SigmaCorrelation, int)>>(ReferenceEqualityComparer.Instance);
        foreach (var correlation in correlations)
        {
            for (var position = 0; position < correlation.Sources.Length; position++)
            {
                var source = correlation.Sources[position];
                if (!consumers.TryGetValue(source, out var list))
                {
                    consumers[source] = list = [];
                }

                list.Add((correlation, position));
                (correlation.Generate ? generated : _silent).Add(source);
            }
        }

        _silent.ExceptWith(generated);
        foreach (var (source, list) in consumers)
        {
            _consumers[source] = [.. list];
        }
    }

    public static SigmaCorrelationIndex Empty { get; } = new([]);

    public IReadOnlyList<SigmaCorrelation> Correlations { get; }

    public bool HasConsumers => _consumers.Count > 0;

    public (SigmaCorrelation Correlation, int Position)[]? ConsumersOf(object source) =>
        _consumers.Count > 0 && _consumers.TryGetValue(source, out var list) ? list : null;

    /// <summary>False for a rule only correlations read: its matches feed them but raise no signal of their own.</summary>
    public bool Generates(object source) => _silent.Count == 0 || !_silent.Contains(source);
}
