namespace Atalaya.TestKit;

/// <summary>
/// The real <c>atalaya</c> command, run as a child process from the test's output folder (the test
/// project references src/Atalaya, so atalaya.dll and its rules/ are copied there).
/// </summary>
public static class AtalayaCli
{
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "atalaya.dll");

    /// <summary>The dotnet host running the tests (set by the SDK), else the one on PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs a verb to completion; kills it (by PID) if it has not finished within the bound.</summary>
    public static CliResult Run(IEnumerable<string> arguments, int timeoutSeconds = 180)
    {
        using var process = SpawnedProcess.Start(DotnetHost, [AssemblyPath, .. arguments], redirectOutput: true,
            environment: ChildEnvironment());
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill();
            throw new TimeoutException($"atalaya {string.Join(' ', arguments)} did not finish; output so far:\n{process.StandardOutput}\n{process.StandardError}");
        }

        return new CliResult(process.Process.ExitCode, process.StandardOutput, process.StandardError);
    }

    /// <summary>Starts a long-running verb (<c>run</c>); the caller stops it by PID.</summary>
    public static SpawnedProcess Start(IEnumerable<string> arguments) =>
        SpawnedProcess.Start(DotnetHost, [AssemblyPath, .. arguments], redirectOutput: true, environment: ChildEnvironment());

    // No colours or terminal width games in captured output; agents started by tests leave the
    // kernel audit subsystem to the audit tests, which run in parallel in another assembly.
    private static Dictionary<string, string> ChildEnvironment() => new() { ["NO_COLOR"] = "1", ["TERM"] = "dumb", ["COLUMNS"] = "200", ["ATALAYA_AUDIT"] = "off" };
}

/// <summary>What one CLI invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    public IEnumerable<string> Lines => StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}
