using System.Text;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// The value-transforming modifiers (base64, base64offset, utf16*, wide, windash). Encodings work
/// on bytes: a utf16 step yields bytes that a following base64 step encodes, as pySigma does.
/// </summary>
internal static class ValueTransforms
{
    private static readonly int[] StartOffsets = [0, 2, 3];
    private static readonly int[] EndTrim = [0, 3, 2];
    private static readonly char[] Dashes = ['-', '/', '\u2013', '\u2014', '\u2015'];

    /// <summary>One intermediate value: either text or, after a utf16 step, raw bytes.</summary>
    internal sealed record Value(SigmaPattern? Text, byte[]? Bytes)
    {
        public byte[] AsBytes(string modifier) =>
            Bytes ?? (Text!.HasWildcards
                ? throw new SigmaCompileException(SigmaCodes.Value, $"'{modifier}' cannot encode a value with wildcards ('{Text}')", 0)
                : Encoding.UTF8.GetBytes(Text.LiteralText()));
    }

    public static bool IsTransform(string modifier) => modifier is "base64" or "base64offset" or "utf16le" or "utf16be" or "utf16" or "wide" or "windash";

    public static List<Value> Apply(string modifier, List<Value> values)
    {
        var result = new List<Value>();
        foreach (var value in values)
        {
            switch (modifier)
            {
                case "base64":
                    result.Add(new Value(SigmaPattern.Literal(Convert.ToBase64String(value.AsBytes(modifier))), null));
                    break;
                case "base64offset":
                    var bytes = value.AsBytes(modifier);
                    for (var i = 0; i < 3; i++)
                    {
                        var shifted = new byte[i + bytes.Length];
                        shifted.AsSpan(0, i).Fill((byte)' ');
                        bytes.CopyTo(shifted, i);
                        var encoded = Convert.ToBase64String(shifted);
                        var end = encoded.Length - EndTrim[(bytes.Length + i) % 3];
                        result.Add(new Value(SigmaPattern.Literal(encoded[StartOffsets[i]..Math.Max(StartOffsets[i], end)]), null));
                    }

                    break;
                case "utf16le" or "wide":
                    result.Add(new Value(null, Encoding.Unicode.GetBytes(Text(value, modifier))));
                    break;
                case "utf16be":
                    result.Add(new Value(null, Encoding.BigEndianUnicode.GetBytes(Text(value, modifier))));
                    break;
                case "utf16":
                    result.Add(new Value(null, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Text(value, modifier))]));
                    break;
                case "windash":
                    result.AddRange(WinDash(value, modifier));
                    break;
            }
        }

        return result;
    }

    private static string Text(Value value, string modifier) =>
        value.Bytes is not null
            ? throw new SigmaCompileException(SigmaCodes.Value, $"'{modifier}' cannot follow another encoding", 0)
            : value.Text!.HasWildcards
                ? throw new SigmaCompileException(SigmaCodes.Value, $"'{modifier}' cannot encode a value with wildcards ('{value.Text}')", 0)
                : value.Text.LiteralText();

    /// <summary>
    /// Windows accepts <c>-x</c>, <c>/x</c> and typographic dashes for options: a dash or slash at
    /// the start of the value or after whitespace becomes each of them.
    /// </summary>
    private static IEnumerable<Value> WinDash(Value value, string modifier)
    {
        if (value.Text is null)
        {
            throw new SigmaCompileException(SigmaCodes.Value, $"'{modifier}' cannot follow an encoding", 0);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dash in Dashes)
        {
            var copy = value.Text.Clone();
            for (var i = 0; i < copy.Items.Count; i++)
            {
                var atOptionStart = i == 0 || (copy.Items[i - 1] >= 0 && char.IsWhiteSpace((char)copy.Items[i - 1]));
                if (atOptionStart && copy.Items[i] is '-' or '/')
                {
                    copy.Items[i] = dash;
                }
            }

            if (seen.Add(copy.ToString()))
            {
                yield return new Value(copy, null);
            }
        }
    }
}
