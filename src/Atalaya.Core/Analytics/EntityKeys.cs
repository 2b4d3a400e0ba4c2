using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>How signals name the entity they are about, so signals from different sources meet.</summary>
public static class EntityKeys
{
    /// <summary>
    /// The process entity id when known; otherwise pid plus executable, which is unique enough
    /// for the lifetime of one process and never merges two different programs.
    /// </summary>
    public static string ForProcess(ProcessFields process) =>
        process.EntityId is { Length: > 0 } id ? id : $"pid:{process.Pid}:{process.Executable}";

    /// <summary>A persistence place: the file it lives in, so every signal about one file scores together.</summary>
    public static string ForPersistence(string path) => "persistence:" + path;

    /// <summary>A local account by name.</summary>
    public static string ForAccount(string userName) => "account:" + userName;

    /// <summary>A remote source of authentication attempts.</summary>
    public static string ForAuthSource(string address) => "auth-source:" + address;
}
