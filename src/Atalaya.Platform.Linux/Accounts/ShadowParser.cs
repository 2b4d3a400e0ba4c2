using System.Globalization;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>Parses /etc/shadow into <see cref="ShadowEntry"/> metadata only.</summary>
public static class ShadowParser
{
    public static IReadOnlyList<ShadowEntry> Parse(ReadOnlySpan<char> text, out int malformedLines) =>
        ColonFields.ParseLines<ShadowEntry>(text, TryParseLine, out malformedLines);

    /// <summary>name:password:lastchg:min:max:warn:inactive:expire:reserved (nine fields).</summary>
    public static bool TryParseLine(ReadOnlySpan<char> line, out ShadowEntry value)
    {
        value = null!;
        line = line.TrimEnd('\r');
        Span<Range> fields = stackalloc Range[9];
        if (!ColonFields.TrySplit(line, fields))
        {
            return false;
        }

        var name = line[fields[0]];
        if (name.IsEmpty || name[0] is '+' or '-' or '#')
        {
            return false;
        }

        value = new ShadowEntry(
            name.ToString(),
            Classify(line[fields[1]]),
            Day(line[fields[2]]),
            Number(line[fields[4]]),
            Day(line[fields[7]]));
        return true;
    }

    /// <summary>What the password field allows, from its first character: never returns or stores the field.</summary>
    public static PasswordState Classify(ReadOnlySpan<char> field)
    {
        if (field.IsEmpty)
        {
            return PasswordState.Empty;
        }

        if (field[0] == '!')
        {
            return PasswordState.Locked;
        }

        // crypt(5) hashes start with '$' (or are 13 DES characters); '*', 'x' and other short markers match nothing.
        return field[0] == '$' || field.Length == 13 ? PasswordState.Set : PasswordState.None;
    }

    private static int? Number(ReadOnlySpan<char> field) =>
        int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Days since 1970-01-01 (shadow's unit) as a UTC date.</summary>
    private static DateTimeOffset? Day(ReadOnlySpan<char> field) =>
        Number(field) is { } days && days < 200_000 ? DateTimeOffset.UnixEpoch.AddDays(days) : null;
}
