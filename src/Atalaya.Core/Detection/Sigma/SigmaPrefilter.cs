using Atalaya.Core.Schema;

namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// Literal prefilter over the rules of one event kind. Each rule with a usable necessary condition
/// (<see cref="SigmaCondition.Required"/>) is evaluated only when one of its literals occurs in its
/// field; the others are always evaluated. Per field, one Aho-Corasick automaton over lower-cased
/// ASCII scans the value once, folding case as it reads (no copy, no allocation).
/// Why not SearchValues: a multi-string ignore-case SearchValues over SigmaHQ's literals falls back
/// to a scalar path here (invariant globalization), tens of microseconds per command line.
/// </summary>
internal sealed class SigmaPrefilter
{
    private readonly ulong[] _always;
    private readonly FieldScan[] _fields;

    public SigmaPrefilter(IReadOnlyList<SigmaRule> rules)
        : this([.. rules.Select(r => r.Condition)])
    {
    }

    /// <summary>Over compiled conditions (an auditd rule's condition for one record type).</summary>
    public SigmaPrefilter(IReadOnlyList<SigmaCondition> rules)
    {
        RuleCount = rules.Count;
        _always = new ulong[Words(rules.Count)];
        var byField = new Dictionary<FieldDefinition, List<(string Literal, int Rule)>>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < rules.Count; i++)
        {
            var required = rules[i].Required();
            if (!PrefilterLiterals.Useful(required))
            {
                _always[i >> 6] |= 1UL << i;
                AlwaysEvaluated++;
                continue;
            }

            foreach (var (field, literal) in required!)
            {
                if (!byField.TryGetValue(field, out var list))
                {
                    byField[field] = list = [];
                }

                list.Add((literal, i));
            }
        }

        _fields = [.. byField.Select(f => new FieldScan(f.Key, f.Value, _always.Length))];
    }

    public int RuleCount { get; }

    /// <summary>Rules with no usable necessary literal (negations only, regexes, keywords...).</summary>
    public int AlwaysEvaluated { get; }

    public static int Words(int rules) => (rules + 63) >> 6;

    /// <summary>Sets in <paramref name="selected"/> (length <see cref="Words"/>) the rules worth evaluating on this event.</summary>
    public void Select(EcsEvent value, Span<ulong> selected)
    {
        _always.CopyTo(selected);
        foreach (var field in _fields)
        {
            switch (field.Field.Read(value))
            {
                case null:
                    break;
                case string text:
                    field.Automaton.Scan(text, selected);
                    break;
                case IReadOnlyList<string> list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        field.Automaton.Scan(list[i], selected);
                    }

                    break;
                default:
                    // Numbers, flags and dates match by value, not text: no claim, evaluate them all.
                    for (var i = 0; i < selected.Length; i++)
                    {
                        selected[i] |= field.Rules[i];
                    }

                    break;
            }
        }
    }

    private sealed class FieldScan
    {
        public FieldScan(FieldDefinition field, List<(string Literal, int Rule)> literals, int words)
        {
            Field = field;
            Rules = new ulong[words];
            foreach (var (_, rule) in literals)
            {
                Rules[rule >> 6] |= 1UL << rule;
            }

            Automaton = new LiteralAutomaton(literals);
        }

        public FieldDefinition Field { get; }

        public ulong[] Rules { get; }

        public LiteralAutomaton Automaton { get; }
    }

    /// <summary>
    /// Aho-Corasick as a dense DFA over character classes (only characters that occur in some
    /// literal get a class; every other character sends the scan back to the root). Each state
    /// carries the rules of every literal ending there, suffix outputs included.
    /// </summary>
    internal sealed class LiteralAutomaton
    {
        private readonly byte[] _classOf = new byte[128];
        private readonly int _classes;
        private readonly int[] _next;
        private readonly int[]?[] _outputs;

        public LiteralAutomaton(IReadOnlyList<(string Literal, int Rule)> literals)
        {
            // Class 0: characters in no literal. Literals are lower-case ASCII; upper case shares the class.
            var classes = 1;
            foreach (var (literal, _) in literals)
            {
                foreach (var c in literal)
                {
                    if (_classOf[c] == 0)
                    {
                        _classOf[c] = (byte)classes++;
                        if (c is >= 'a' and <= 'z')
                        {
                            _classOf[c - 32] = _classOf[c];
                        }
                    }
                }
            }

            _classes = classes;
            var trie = new List<int[]> { new int[classes] };
            var outputs = new List<HashSet<int>> { new() };
            foreach (var (literal, rule) in literals)
            {
                var state = 0;
                foreach (var c in literal)
                {
                    var cls = _classOf[c];
                    if (trie[state][cls] == 0)
                    {
                        trie[state][cls] = trie.Count;
                        trie.Add(new int[classes]);
                        outputs.Add([]);
                    }

                    state = trie[state][cls];
                }

                outputs[state].Add(rule);
            }

            // Breadth-first: failure links turn the trie into a DFA, outputs inherit along them.
            var fail = new int[trie.Count];
            var queue = new Queue<int>();
            for (var cls = 1; cls < classes; cls++)
            {
                if (trie[0][cls] is var child and > 0)
                {
                    fail[child] = 0;
                    queue.Enqueue(child);
                }
            }

            while (queue.Count > 0)
            {
                var state = queue.Dequeue();
                outputs[state].UnionWith(outputs[fail[state]]);
                for (var cls = 1; cls < classes; cls++)
                {
                    var child = trie[state][cls];
                    if (child > 0)
                    {
                        fail[child] = trie[fail[state]][cls];
                        queue.Enqueue(child);
                    }
                    else
                    {
                        trie[state][cls] = trie[fail[state]][cls];
                    }
                }
            }

            _next = new int[trie.Count * classes];
            _outputs = new int[]?[trie.Count];
            for (var s = 0; s < trie.Count; s++)
            {
                trie[s].CopyTo(_next, s * classes);
                _outputs[s] = outputs[s].Count == 0 ? null : [.. outputs[s].Order()];
            }
        }

        public int States => _outputs.Length;

        public void Scan(ReadOnlySpan<char> text, Span<ulong> selected)
        {
            var next = _next;
            var classOf = _classOf;
            var classes = _classes;
            var state = 0;
            foreach (var c in text)
            {
                int cls = c < 128 ? classOf[c] : SlowClass(c);
                state = next[(state * classes) + cls];
                if (_outputs[state] is { } rules)
                {
                    foreach (var rule in rules)
                    {
                        selected[rule >> 6] |= 1UL << rule;
                    }
                }
            }
        }

        /// <summary>
        /// Non-ASCII characters that compare equal to an ASCII letter ignoring case (U+017F long s,
        /// U+212A Kelvin, U+0130/U+0131 dotted and dotless i): either case mapping lands on ASCII.
        /// Counting them as that letter can only add candidates, never drop a match.
        /// </summary>
        private int SlowClass(char c)
        {
            var upper = char.ToUpperInvariant(c);
            if (upper < 128)
            {
                return _classOf[upper];
            }

            var lower = char.ToLowerInvariant(c);
            return lower < 128 ? _classOf[lower] : 0;
        }
    }
}
