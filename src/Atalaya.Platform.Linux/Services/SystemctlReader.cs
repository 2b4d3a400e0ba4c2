using System.Diagnostics;

namespace Atalaya.Platform.Linux.Services;

/// <summary>
/// Runs <c>systemctl show</c> with an argument list (never a shell) for the live state of every
/// loaded service and timer. Only where systemd is the init system (/run/systemd/system exists,
/// the sd_booted(3) test); elsewhere, as in containers and this project's VM, it reports unavailable.
/// </summary>
public sealed class SystemctlReader
{
    internal static readonly string[] Properties = ["Id", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "FragmentPath", "ExecStart", "Result"];

    private readonly string _systemctl;
    private readonly string _runRoot;

    public SystemctlReader(string systemctl = "/usr/bin/systemctl", string rootPrefix = "")
    {
        _systemctl = systemctl;
        _runRoot = rootPrefix.TrimEnd('/');
    }

    public bool IsAvailable => Directory.Exists(_runRoot + "/run/systemd/system") && File.Exists(_systemctl);

    /// <summary>The states, or null when systemd is not running or systemctl failed within the timeout.</summary>
    public IReadOnlyList<ServiceState>? TryRead(TimeSpan timeout)
    {
        if (!IsAvailable)
        {
            return null;
        }

        var start = new ProcessStartInfo(_systemctl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (ReadOnlySpan<string>)["show", "--no-pager", "--property=" + string.Join(',', Properties), "*.service", "*.timer"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SYSTEMD_PAGER"] = string.Empty;
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // systemctl present but not runnable (permissions, a broken binary): a failed read, counted
            // by the caller like a timeout, not a fault of the collector.
            return null;
        }

        using var process = started;
        if (process is null)
        {
            return null;
        }

        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            // Our own child, by its pid.
            process.Kill();
            return null;
        }

        return process.ExitCode == 0 ? SystemctlShowParser.Parse(output.GetAwaiter().GetResult()) : null;
    }
}
