using System.Diagnostics;
using System.Text;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// Runs <c>journalctl --output=json --follow --lines=0</c> with an argument list (never a shell), matching
/// the programs that log authentication (journalctl ORs matches on one field), and hands each output
/// line to the caller. Only where journald runs (its socket directory /run/systemd/journal exists).
/// The child is killed by its pid when reading stops.
/// </summary>
internal sealed class JournalctlFollower(string journalctl, string rootPrefix)
{
    public static readonly string[] Identifiers = ["sshd", "sudo", "su", "useradd", "userdel", "groupadd", "usermod", "gpasswd", "passwd", "chpasswd"];

    public bool IsAvailable => Directory.Exists(rootPrefix.TrimEnd('/') + "/run/systemd/journal") && File.Exists(journalctl);

    public static IReadOnlyList<string> Arguments()
    {
        var arguments = new List<string> { "--output=json", "--follow", "--lines=0", "--no-pager", "--quiet" };
        arguments.AddRange(Identifiers.Select(i => "SYSLOG_IDENTIFIER=" + i));
        return arguments;
    }

    /// <summary>The last line journalctl wrote to stderr before it exited (why it gave up), bounded; null if none.</summary>
    public string? LastError { get; private set; }

    private static string? LastLine(string text)
    {
        var line = text.TrimEnd().AsSpan();
        line = line[(line.LastIndexOf('\n') + 1)..];
        return line.IsEmpty ? null : (line.Length > 300 ? line[..300].ToString() + "…" : line.ToString());
    }

    /// <summary>Reads until cancelled or journalctl exits; returns its exit code (null when cancelled).</summary>
    public async Task<int?> FollowAsync(Action<ReadOnlyMemory<byte>> onLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(journalctl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SYSTEMD_PAGER"] = string.Empty;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{journalctl} did not start");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            var stream = process.StandardOutput.BaseStream;
            var buffer = new byte[64 * 1024];
            var pending = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var chunk = buffer.AsMemory(0, read);
                int newline;
                while ((newline = chunk.Span.IndexOf((byte)'\n')) >= 0)
                {
                    if (pending.Length == 0)
                    {
                        onLine(chunk[..newline]);
                    }
                    else
                    {
                        pending.Write(chunk.Span[..newline]);
                        onLine(pending.GetBuffer().AsMemory(0, (int)pending.Length));
                        pending.SetLength(0);
                    }

                    chunk = chunk[(newline + 1)..];
                }

                // A line longer than the parser accepts is kept only up to its bound plus one byte, so it fails cleanly.
                if (pending.Length <= JournalJsonParser.MaxLineBytes)
                {
                    pending.Write(chunk.Span);
                }
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            LastError = LastLine(await errors.ConfigureAwait(false));
            return process.ExitCode;
        }
        finally
        {
            if (!process.HasExited)
            {
                // Our own child, by its pid.
                process.Kill();
            }
        }
    }
}
