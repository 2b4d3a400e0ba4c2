using System.Diagnostics;
using System.Text;

namespace Atalaya.TestKit;

/// <summary>
/// A real process started by a test, with an argument list (never a shell string), killed by
/// its own PID on dispose so a failing test leaves nothing running.
/// </summary>
public sealed class SpawnedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private SpawnedProcess(Process process, bool captureOutput)
    {
        _process = process;
        if (!captureOutput)
        {
            return;
        }

        // Drained continuously: a child that fills an unread 64 KiB pipe blocks forever.
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What the process printed so far (when started with output captured).</summary>
    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int Pid => _process.Id;

    public Process Process => _process;

    public bool HasExited => _process.HasExited;

    public static SpawnedProcess Start(string executable, IEnumerable<string> arguments, string? workingDirectory = null,
        bool redirectOutput = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = redirectOutput,
            RedirectStandardInput = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = StartRetryingBusyText(info) ?? throw new InvalidOperationException($"could not start {executable}");
        return new SpawnedProcess(process, redirectOutput);
    }

    /// <summary>
    /// Tests copy binaries and run the copy. While the copy is open for writing, a parallel test's fork
    /// can inherit that descriptor for a moment, and exec of the copy then fails with ETXTBSY until the
    /// forked child execs (and close-on-exec drops it). The kernel race is short; a few bounded retries
    /// cover it (the same answer Go's os/exec gives).
    /// </summary>
    private static Process? StartRetryingBusyText(ProcessStartInfo info)
    {
        const int Etxtbsy = 26;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Process.Start(info);
            }
            catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == Etxtbsy && attempt < 10)
            {
                Thread.Sleep(20 * attempt);
            }
        }
    }

    /// <summary>Sends SIGKILL to this PID only (not its tree) and reaps it.</summary>
    public void Kill()
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already exited between the check and the kill.
        }
    }

    /// <summary>Waits (bounded) for exit; true when it exited. Output events are flushed before returning.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        return true;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.Append(line).Append('\n');
        }
    }
}
