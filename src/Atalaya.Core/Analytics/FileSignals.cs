using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>Helpers shared by the file analytics: what a file event says and which entity it is about.</summary>
internal static class FileSignals
{
    /// <summary>A live change (creation, modification, rename), not a deletion or a scan's state record.</summary>
    public static bool IsLiveWrite(EcsEvent value) =>
        value.Event.Kind == EventKinds.Event
        && !value.Event.Type.Contains(EventTypes.Deletion)
        && (value.Event.Type.Contains(EventTypes.Creation) || value.Event.Type.Contains(EventTypes.Change));

    /// <summary>
    /// The writer's process entity when the sensor named it, so the signal scores together with what the
    /// same process did elsewhere (its network, its other files); otherwise the file itself.
    /// </summary>
    public static string EntityKey(EcsEvent value, string path) =>
        value.Process is { Pid: > 0 } writer && (writer.EntityId is not null || writer.Executable is not null)
            ? EntityKeys.ForProcess(writer)
            : "file:" + path;

    /// <summary>"by /usr/bin/python3 (pid 4242: python3 -c ...)" or "by an unknown process".</summary>
    public static string Writer(EcsEvent value) => value.Process switch
    {
        { Executable: { } exe } p => $"by {exe} (pid {p.Pid}{(p.CommandLine is { } cmd ? ": " + Shorten(cmd) : string.Empty)})",
        { Pid: > 0 } p => $"by pid {p.Pid} (exited before it could be read)",
        _ => "by an unknown process (the inotify sensor does not name writers)",
    };

    public static bool IsPackageManagerWriter(EcsEvent value) =>
        value.Process is { } p && PackageManagers.IsPackageManager(p.Name, p.Executable);

    private static string Shorten(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
}
