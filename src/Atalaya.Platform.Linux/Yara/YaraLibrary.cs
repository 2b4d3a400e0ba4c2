using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux.Yara;

/// <summary>
/// Whether libyara can be used in this process. The library is optional: when dlopen fails (package
/// not installed, wrong version) YARA reports itself unavailable with the loader's reason and the
/// rest of the agent runs unchanged. <c>yr_initialize</c> is called once and never undone: it is
/// reference counted and the rules live as long as the process.
/// </summary>
public static class YaraLibrary
{
    private static readonly Lock Gate = new();
    private static string? _initialized;

    /// <summary>Loads and initializes <paramref name="soname"/> (default <c>libyara.so.9</c>); false with the reason when it cannot.</summary>
    public static bool TryInitialize(out string? reason, string soname = Interop.LibYara)
    {
        if (!NativeLibrary.TryLoad(soname, typeof(YaraLibrary).Assembly, DllImportSearchPath.SafeDirectories, out var handle))
        {
            reason = $"{soname} could not be loaded (install the libyara9 package)";
            return false;
        }

        if (!NativeLibrary.TryGetExport(handle, "yr_rules_scan_mem", out _))
        {
            reason = $"{soname} has no yr_rules_scan_mem: not libyara 4";
            return false;
        }

        if (soname != Interop.LibYara)
        {
            // Only the SONAME the interop binds is used; another name is a probe.
            reason = null;
            return true;
        }

        lock (Gate)
        {
            if (_initialized is null)
            {
                var error = Interop.YrInitialize();
                if (error != Interop.YaraErrorSuccess)
                {
                    reason = $"yr_initialize failed with error {error}";
                    return false;
                }

                _initialized = soname;
            }
        }

        reason = null;
        return true;
    }
}
