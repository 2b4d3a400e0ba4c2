namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Building blocks of the prefilter's necessary conditions. Literals are reduced to their longest
/// run of ASCII characters, lower-cased: a value that matches a literal (ordinally, with or without
/// case) contains every substring of it, and ASCII-only literals keep the case question to the
/// handful of non-ASCII characters whose case mapping is ASCII (see <see cref="SigmaPrefilter"/>).
/// </summary>
internal static class PrefilterLiterals
{
    /// <summary>Shorter literals hit almost every value: a set whose shortest literal is this short is not worth scanning for.</summary>
    private const int MinimumUsefulLength = 2;

    /// <summary>The folded literals, or null when one of them has no ASCII run (then nothing is necessary).</summary>
    public static string[]? Of(IReadOnlyList<string> literals)
    {
        var result = new string[literals.Count];
        for (var i = 0; i < literals.Count; i++)
        {
            var run = LongestAsciiRun(literals[i].Select(c => (int)c));
            if (run.Length == 0)
            {
                return null;
            }

            result[i] = run;
        }

        return result.Length == 0 ? null : result;
    }

    /// <summary>The longest run of ASCII characters (wildcards, encoded as negative items, break runs), lower-cased.</summary>
    public static string LongestAsciiRun(IEnumerable<int> items)
    {
        var best = "";
        var current = new List<char>();
        foreach (var item in items.Append(-1))
        {
            if (item is >= 0 and < 128)
            {
                current.Add(item is >= 'A' and <= 'Z' ? (char)(item + 32) : (char)item);
                continue;
            }

            if (current.Count > best.Length)
            {
                best = new string([.. current]);
            }

            current.Clear();
        }

        return best;
    }

    /// <summary>OR: every operand must have a set, and the result is their union.</summary>
    public static RequiredLiteral[]? Union(IEnumerable<RequiredLiteral[]?> sets)
    {
        var result = new List<RequiredLiteral>();
        foreach (var set in sets)
        {
            if (set is null)
            {
                return null;
            }

            result.AddRange(set);
        }

        return result.Count == 0 ? null : [.. result.Distinct()];
    }

    /// <summary>AND: any operand's set will do; the one whose shortest literal is longest (then the smallest) filters best.</summary>
    public static RequiredLiteral[]? MostSelective(IEnumerable<RequiredLiteral[]?> sets)
    {
        RequiredLiteral[]? best = null;
        foreach (var set in sets)
        {
            if (set is null || set.Length == 0)
            {
                continue;
            }

            if (best is null || Compare(set, best) > 0)
            {
                best = set;
            }
        }

        return best;
    }

    /// <summary>Whether a rule's set is selective enough to skip the rule when none of it is seen.</summary>
    public static bool Useful(RequiredLiteral[]? set) => set is not null && set.Min(l => l.Literal.Length) >= MinimumUsefulLength;

    private static int Compare(RequiredLiteral[] a, RequiredLiteral[] b)
    {
        var byShortest = Math.Min(a.Min(l => l.Literal.Length), 8).CompareTo(Math.Min(b.Min(l => l.Literal.Length), 8));
        return byShortest != 0 ? byShortest : b.Length.CompareTo(a.Length);
    }
}
