namespace Atalaya.Core.Detection.Sigma;

/// <summary>
/// The Sigma condition grammar, as a tokenizer and a recursive-descent parser (no regex).
/// Precedence per the specification: <c>not</c> binds tighter than <c>and</c>, which binds
/// tighter than <c>or</c>; <c>and</c>/<c>or</c> are left-associative. Nesting is bounded so a
/// hostile condition cannot exhaust the stack.
/// </summary>
internal static class ConditionParser
{
    public const int MaxDepth = 64;

    private enum Kind
    {
        Word,
        Open,
        Close,
        End,
    }

    private readonly record struct Token(Kind Kind, string Text, int Position);

    /// <summary>Parses a condition or throws <see cref="FormatException"/> with what is wrong and where.</summary>
    public static ConditionNode Parse(string text)
    {
        var tokens = Tokenize(text);
        var position = 0;
        var node = ParseOr(tokens, ref position, 0);
        if (tokens[position].Kind != Kind.End)
        {
            throw new FormatException($"unexpected '{tokens[position].Text}' at column {tokens[position].Position + 1}");
        }

        return node;
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '(')
            {
                tokens.Add(new Token(Kind.Open, "(", i++));
            }
            else if (c == ')')
            {
                tokens.Add(new Token(Kind.Close, ")", i++));
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')')
                {
                    i++;
                }

                tokens.Add(new Token(Kind.Word, text[start..i], start));
            }
        }

        tokens.Add(new Token(Kind.End, "end of condition", text.Length));
        return tokens;
    }

    private static ConditionNode ParseOr(List<Token> tokens, ref int position, int depth)
    {
        var left = ParseAnd(tokens, ref position, depth);
        while (IsKeyword(tokens[position], "or"))
        {
            position++;
            left = new OrNode(left, ParseAnd(tokens, ref position, depth));
        }

        return left;
    }

    private static ConditionNode ParseAnd(List<Token> tokens, ref int position, int depth)
    {
        var left = ParseNot(tokens, ref position, depth);
        while (IsKeyword(tokens[position], "and"))
        {
            position++;
            left = new AndNode(left, ParseNot(tokens, ref position, depth));
        }

        return left;
    }

    private static ConditionNode ParseNot(List<Token> tokens, ref int position, int depth)
    {
        if (IsKeyword(tokens[position], "not"))
        {
            position++;
            if (depth >= MaxDepth)
            {
                throw new FormatException($"more than {MaxDepth} nested 'not' or parentheses");
            }

            return new NotNode(ParseNot(tokens, ref position, depth + 1));
        }

        return ParsePrimary(tokens, ref position, depth);
    }

    private static ConditionNode ParsePrimary(List<Token> tokens, ref int position, int depth)
    {
        var token = tokens[position];
        switch (token.Kind)
        {
            case Kind.Open:
                if (depth >= MaxDepth)
                {
                    throw new FormatException($"more than {MaxDepth} nested 'not' or parentheses");
                }

                position++;
                var inner = ParseOr(tokens, ref position, depth + 1);
                if (tokens[position].Kind != Kind.Close)
                {
                    throw new FormatException($"expected ')' at column {tokens[position].Position + 1}, found '{tokens[position].Text}'");
                }

                position++;
                return inner;
            case Kind.Word when IsReserved(token.Text) && !IsQuantifier(tokens, position):
                throw new FormatException($"expected a search identifier at column {token.Position + 1}, found '{token.Text}'");
            case Kind.Word when IsQuantifier(tokens, position):
                return ParseQuantifier(tokens, ref position);
            case Kind.Word:
                position++;
                if (token.Text.Contains('*', StringComparison.Ordinal))
                {
                    throw new FormatException($"'{token.Text}' has a wildcard: write '1 of {token.Text}' or 'all of {token.Text}'");
                }

                return new IdentifierNode(token.Text);
            default:
                throw new FormatException($"expected a search identifier at column {token.Position + 1}, found '{token.Text}'");
        }
    }

    /// <summary><c>1 of x</c>, <c>any of x</c>, <c>all of x</c>, <c>N of x</c>.</summary>
    private static bool IsQuantifier(List<Token> tokens, int position) =>
        tokens[position].Kind == Kind.Word && IsKeyword(tokens[position + 1], "of")
        && (IsKeyword(tokens[position], "all") || IsKeyword(tokens[position], "any") || IsCount(tokens[position].Text, out _));

    private static ConditionNode ParseQuantifier(List<Token> tokens, ref int position)
    {
        var quantity = tokens[position];
        var count = IsKeyword(quantity, "all") ? 0 : IsKeyword(quantity, "any") ? 1 : IsCount(quantity.Text, out var n) ? n : 0;
        position += 2;
        var target = tokens[position];
        if (target.Kind != Kind.Word || IsKeyword(target, "and") || IsKeyword(target, "or") || IsKeyword(target, "not"))
        {
            throw new FormatException($"expected 'them' or an identifier pattern after '{quantity.Text} of' at column {target.Position + 1}");
        }

        position++;
        return new QuantifierNode(count, IsKeyword(target, "them") ? null : target.Text);
    }

    private static bool IsCount(string text, out int count) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) && count >= 1;

    private static bool IsReserved(string word) =>
        word.Equals("and", StringComparison.OrdinalIgnoreCase) || word.Equals("or", StringComparison.OrdinalIgnoreCase)
        || word.Equals("not", StringComparison.OrdinalIgnoreCase) || word.Equals("of", StringComparison.OrdinalIgnoreCase)
        || word.Equals("them", StringComparison.OrdinalIgnoreCase);

    private static bool IsKeyword(Token token, string keyword) =>
        token.Kind == Kind.Word && token.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);
}
