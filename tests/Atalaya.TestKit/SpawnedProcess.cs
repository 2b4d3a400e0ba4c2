using System.Diagnostics;

namespace Atalaya.TestKit;

/// <summary>
/// A real process started by a test, with an argument list (never a shell string), killed by
/// its own PID on dispose so a failing test leaves nothing running.
/// </summary>
public sealed class SpawnedProcess : IDisposable
{
    private readonly Process _process;

    private SpawnedProcess(Process process) => _process = process;

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

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        return new SpawnedProcess(process);
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

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
