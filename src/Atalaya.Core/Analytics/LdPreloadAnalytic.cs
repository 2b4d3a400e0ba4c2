using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Code injected through the dynamic linker (T1574.006): LD_PRELOAD or LD_AUDIT naming a library, an
/// LD_LIBRARY_PATH through a temporary directory, or shared objects mapped from user-writable places.
/// Tools set LD_PRELOAD on purpose (fakeroot, eatmydata, allocators, sanitizers: the catalog), and
/// developers load their own builds from /home, so system paths and home directories weigh little;
/// a library in /tmp, /dev/shm or a hidden directory is the userland-rootkit pattern.
/// </summary>
public sealed class LdPreloadAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.ld-preload";

    private readonly ProcessBehaviourCatalog _catalog;
    private readonly SeenOnce _seen = new();

    public LdPreloadAnalytic(ProcessBehaviourCatalog catalog) => _catalog = catalog;

    public string Id => AnalyticId;

    public string Name => "Library injected through the dynamic linker";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Process];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (!ProcessSignals.IsLive(value))
        {
            return;
        }

        var process = value.Process!;
        foreach (var variable in process.EnvVars ?? [])
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var name = variable[..equals];
            var list = variable[(equals + 1)..];
            if (name is "LD_PRELOAD" or "LD_AUDIT")
            {
                // ld.so splits LD_PRELOAD on spaces and colons.
                foreach (var library in list.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries))
                {
                    Preloaded(value, name, library, signals);
                }
            }
            else if (name == "LD_LIBRARY_PATH")
            {
                foreach (var directory in list.Split(':', StringSplitOptions.RemoveEmptyEntries))
                {
                    var asPath = directory.EndsWith('/') ? directory : directory + "/";
                    if ((PathClassifier.IsTemporary(asPath) || PathClassifier.HasHiddenDirectory(asPath + "x")) && _seen.First(process, "path:" + directory))
                    {
                        signals.Emit(ProcessSignals.Make(this, value, "library-path", 40, 0.7, [Techniques.DynamicLinkerHijacking],
                            $"LD_LIBRARY_PATH searches {directory} first: any library dropped there replaces the system's"));
                    }
                }
            }
        }

        foreach (var library in value.Atalaya?.Process?.WritablePathLibraries ?? [])
        {
            if (!_seen.First(process, "mapped:" + library))
            {
                continue;
            }

            if (PathClassifier.IsTemporary(library) || PathClassifier.HasHiddenDirectory(library))
            {
                signals.Emit(ProcessSignals.Make(this, value, "mapped-temporary", 75, 0.85, [Techniques.DynamicLinkerHijacking],
                    $"the process has {library} loaded, a shared object in a temporary or hidden directory"));
            }
            else
            {
                signals.Emit(ProcessSignals.Make(this, value, "mapped-user-writable", 25, 0.5, [Techniques.DynamicLinkerHijacking],
                    $"the process has {library} loaded from a user-writable directory"));
            }
        }
    }

    private void Preloaded(EcsEvent value, string variable, string library, ISignalSink signals)
    {
        var fileName = PathClassifier.FileName(library);
        if (_catalog.IsAllowedPreload(fileName) || !_seen.First(value.Process!, "preload:" + library))
        {
            return;
        }

        if (PathClassifier.IsUserWritable(library) || PathClassifier.HasHiddenDirectory(library) || !library.StartsWith('/'))
        {
            signals.Emit(ProcessSignals.Make(this, value, "preload-user-writable", 80, 0.9, [Techniques.DynamicLinkerHijacking],
                $"{variable}={library} injects a library from a user-writable place into the process"));
        }
        else
        {
            signals.Emit(ProcessSignals.Make(this, value, "preload", 45, 0.6, [Techniques.DynamicLinkerHijacking],
                $"{variable}={library} injects a library into the process"));
        }
    }
}
