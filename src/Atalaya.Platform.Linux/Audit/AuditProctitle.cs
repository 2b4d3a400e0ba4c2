namespace Atalaya.Platform.Linux.Audit;

/// <summary>
/// <c>proctitle=</c>: the process's argv area at the syscall (truncated by the kernel to 128 bytes),
/// NUL-separated, hex-encoded unless it is one printable word. After exec it is the new argv; a
/// process that rewrote its title (setproctitle) shows the rewrite.
/// </summary>
public static class AuditProctitle
{
    public static bool TryDecode(AuditField field, out List<string> args)
    {
        args = [];
        if (!AuditValue.TryDecode(field, out var bytes))
        {
            return false;
        }

        ReadOnlySpan<byte> rest = bytes;
        if (!rest.IsEmpty && rest[^1] == 0)
        {
            rest = rest[..^1];
        }

        while (true)
        {
            var nul = rest.IndexOf((byte)0);
            args.Add(AuditValue.Utf8.GetString(nul < 0 ? rest : rest[..nul]));
            if (nul < 0)
            {
                return true;
            }

            rest = rest[(nul + 1)..];
        }
    }
}
