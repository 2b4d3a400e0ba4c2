using System.Text;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// A Sigma string value as code points with wildcards: <see cref="Star"/> for an unescaped
/// <c>*</c>, <see cref="One"/> for an unescaped <c>?</c>. Escapes follow the specification and
/// pySigma: <c>\*</c>, <c>\?</c> and <c>\\</c> are literals; a backslash before anything else
/// is itself literal (Windows paths keep working).
/// </summary>
internal sealed class SigmaPattern
{
    public const int Star = -1;
    public const int One = -2;

    private SigmaPattern(List<int> items) => Items = items;

    public List<int> Items { get; }

    public bool HasWildcards => Items.Exists(c => c < 0);

    public static SigmaPattern Parse(string value)
    {
        var items = new List<int>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '*' or '?' or '\\')
            {
                items.Add(value[++i]);
            }
            else if (c == '*')
            {
                items.Add(Star);
            }
            else if (c == '?')
            {
                items.Add(One);
            }
            else
            {
                items.Add(c);
            }
        }

        return new SigmaPattern(items);
    }

    public static SigmaPattern Literal(string value) => new([.. value.Select(c => (int)c)]);

    public SigmaPattern Clone() => new([.. Items]);

    /// <summary>The text with wildcards removed; only meaningful when <see cref="HasWildcards"/> is false.</summary>
    public string LiteralText()
    {
        var text = new StringBuilder(Items.Count);
        foreach (var c in Items)
        {
            if (c >= 0)
            {
                text.Append((char)c);
            }
        }

        return text.ToString();
    }

    /// <summary>The value as a rule author would write it (escapes restored), for alert details.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Items.Count);
        foreach (var c in Items)
        {
            text.Append(c switch
            {
                Star => "*",
                One => "?",
                '*' => "\\*",
                '?' => "\\?",
                _ => ((char)c).ToString(),
            });
        }

        return text.ToString();
    }

    public void WrapContains()
    {
        PrependStar();
        AppendStar();
    }

    public void PrependStar()
    {
        if (Items.Count == 0 || Items[0] != Star)
        {
            Items.Insert(0, Star);
        }
    }

    public void AppendStar()
    {
        if (Items.Count == 0 || Items[^1] != Star)
        {
            Items.Add(Star);
        }
    }
}
