namespace Atalaya.Core.Analytics;

/// <summary>
/// Name similarity for the look-alike masquerade (T1036.005): a bounded Damerau-Levenshtein distance
/// (optimal string alignment) on stack memory, and a homoglyph fold that maps Cyrillic and Greek
/// letters and digits that render like Latin letters onto them (<c>ѕshd</c>, <c>crοn</c>, <c>ssh0</c>).
/// </summary>
public static class LookalikeNames
{
    /// <summary>Names longer than this are not compared: no catalog name is near it and the stack stays small.</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// The edit distance (insert, delete, substitute, swap of neighbours) when it is at most
    /// <paramref name="limit"/>; otherwise <c>limit + 1</c>. Allocation-free; stops as soon as a row
    /// proves the distance exceeds the limit.
    /// </summary>
    public static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit || a.Length > MaxLength || b.Length > MaxLength)
        {
            return limit + 1;
        }

        Span<int> previous2 = stackalloc int[b.Length + 1];
        Span<int> previous = stackalloc int[b.Length + 1];
        Span<int> current = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, previous2[j - 2] + 1);
                }

                current[j] = value;
                rowMin = Math.Min(rowMin, value);
            }

            if (rowMin > limit)
            {
                return limit + 1;
            }

            var recycled = previous2;
            previous2 = previous;
            previous = current;
            current = recycled;
        }

        return Math.Min(previous[b.Length], limit + 1);
    }

    /// <summary>True when the two names are the same after folding look-alike characters, and differ before.</summary>
    public static bool IsHomoglyphOf(ReadOnlySpan<char> candidate, ReadOnlySpan<char> name)
    {
        if (candidate.Length != name.Length || candidate.SequenceEqual(name))
        {
            return false;
        }

        for (var i = 0; i < candidate.Length; i++)
        {
            if (Fold(candidate[i]) != Fold(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The Latin letter a character is drawn like (Unicode confusables, the subset that fits file names).</summary>
    public static char Fold(char c) => c switch
    {
        // Cyrillic
        'а' => 'a', 'е' => 'e', 'о' => 'o', 'р' => 'p', 'с' => 'c', 'у' => 'y', 'х' => 'x',
        'і' => 'i', 'ѕ' => 's', 'ј' => 'j', 'ԁ' => 'd', 'һ' => 'h', 'ԛ' => 'q', 'ԝ' => 'w', 'ӏ' => 'l',
        'А' => 'A', 'В' => 'B', 'Е' => 'E', 'К' => 'K', 'М' => 'M', 'Н' => 'H', 'О' => 'O', 'Р' => 'P',
        'С' => 'C', 'Т' => 'T', 'Х' => 'X',

        // Greek
        'α' => 'a', 'ο' => 'o', 'ρ' => 'p', 'ν' => 'v', 'τ' => 't', 'υ' => 'u', 'ι' => 'i', 'κ' => 'k',
        'Α' => 'A', 'Β' => 'B', 'Ε' => 'E', 'Κ' => 'K', 'Μ' => 'M', 'Ν' => 'N', 'Ο' => 'O', 'Ρ' => 'P',
        'Τ' => 'T', 'Χ' => 'X',

        // Digits and ASCII drawn like letters in most terminal fonts.
        '0' => 'o', '1' => 'l', 'I' => 'l', '5' => 's',
        _ => c,
    };
}
