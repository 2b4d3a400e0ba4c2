using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

/// <summary>
/// The kernel program's own cost, which the exec'ing processes pay (not the agent): the kernel's BPF
/// run-time statistics (kernel.bpf_stats_enabled, switched on here) as bpftool reports them. Absent
/// without bpftool (Debian: bpftool).
/// </summary>
internal static class KernelProgramStats
{
    private static readonly string[] Programs = ["on_fork", "on_exec", "on_exit"];

    private static string? _statsBefore;

    public static (long Runs, long Nanoseconds)? Read()
    {
        if (!File.Exists("/usr/sbin/bpftool"))
        {
            return null;
        }

        try
        {
            if (_statsBefore is null)
            {
                // Statistics cost every BPF program on the host a clock read per run: switched back at exit.
                _statsBefore = File.ReadAllText("/proc/sys/kernel/bpf_stats_enabled").Trim();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => File.WriteAllText("/proc/sys/kernel/bpf_stats_enabled", _statsBefore);
            }

            File.WriteAllText("/proc/sys/kernel/bpf_stats_enabled", "1");
            using var bpftool = Process.Start(new ProcessStartInfo("/usr/sbin/bpftool", ["prog", "show", "--json"]) { RedirectStandardOutput = true })!;
            var output = bpftool.StandardOutput.ReadToEnd();
            bpftool.WaitForExit();
            long runs = 0, nanoseconds = 0;
            foreach (var program in JsonDocument.Parse(output).RootElement.EnumerateArray())
            {
                if (program.TryGetProperty("name", out var name) && Programs.Contains(name.GetString())
                    && program.TryGetProperty("run_cnt", out var count) && program.TryGetProperty("run_time_ns", out var time))
                {
                    runs += count.GetInt64();
                    nanoseconds += time.GetInt64();
                }
            }

            return (runs, nanoseconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public static string Describe((long Runs, long Nanoseconds)? before, (long Runs, long Nanoseconds)? after, double seconds)
    {
        if (before is not { } b || after is not { } a || a.Runs <= b.Runs)
        {
            return string.Empty;
        }

        var runs = a.Runs - b.Runs;
        var nanoseconds = a.Nanoseconds - b.Nanoseconds;
        return string.Create(CultureInfo.InvariantCulture,
            $" kernel_program_runs={runs} ({nanoseconds / (double)runs:F0} ns each, {100 * nanoseconds / 1e9 / seconds:F2}% of one core, paid by the traced processes)");
    }
}
