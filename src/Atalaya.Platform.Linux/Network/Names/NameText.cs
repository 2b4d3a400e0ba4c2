namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>What a host or service name may contain before it is put on an event.</summary>
internal static class NameText
{
    /// <summary>Printable ASCII without blanks, backslashes or quotes; at most 255 characters.</summary>
    public static bool IsSafeHostName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 255)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is <= ' ' or >= (char)0x7F or '\\' or '"' or '\'')
            {
                return false;
            }
        }

        return true;
    }

    public static string Lower(ReadOnlySpan<char> name)
    {
        Span<char> buffer = stackalloc char[name.Length];
        name.ToLowerInvariant(buffer);
        return new string(buffer);
    }
}
