namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Parses <c>/proc/[pid]/cgroup</c> (<c>hierarchy:controllers:path</c> lines) for the cgroup v2 path
/// and a container id in it.
/// </summary>
public static class ProcCgroupParser
{
    /// <summary>
    /// The path of the v2 line (<c>0::/path</c>); on a v1-only host, the path of the first line whose
    /// controllers include <c>name=systemd</c> or <c>pids</c>. False when no line parses.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out string path, out string? containerId)
    {
        path = string.Empty;
        containerId = null;
        ReadOnlySpan<char> fallback = default;
        var found = false;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            var first = line.IndexOf(':');
            if (first <= 0)
            {
                continue;
            }

            var second = line[(first + 1)..].IndexOf(':');
            if (second < 0)
            {
                continue;
            }

            var hierarchy = line[..first];
            var controllers = line.Slice(first + 1, second);
            var value = line[(first + second + 2)..];
            if (hierarchy.SequenceEqual("0") && controllers.IsEmpty)
            {
                path = value.ToString();
                found = true;
                break;
            }

            if (!found && fallback.IsEmpty && (controllers.Contains("name=systemd", StringComparison.Ordinal) || controllers.SequenceEqual("pids")))
            {
                fallback = value;
            }
        }

        if (!found)
        {
            if (fallback.IsEmpty)
            {
                return false;
            }

            path = fallback.ToString();
        }

        containerId = FindContainerId(path);
        return true;
    }

    /// <summary>
    /// The last 64-hex-digit run in the path, the id docker, containerd, cri-o and podman all use
    /// (<c>/system.slice/docker-&lt;id&gt;.scope</c>, <c>/kubepods/.../cri-containerd-&lt;id&gt;.scope</c>,
    /// <c>/docker/&lt;id&gt;</c>). Bounded by non-hex characters so a longer hex run is not cut.
    /// </summary>
    public static string? FindContainerId(ReadOnlySpan<char> path)
    {
        string? last = null;
        var i = 0;
        while (i < path.Length)
        {
            if (!char.IsAsciiHexDigitLower(path[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < path.Length && char.IsAsciiHexDigitLower(path[i]))
            {
                i++;
            }

            if (i - start == 64)
            {
                last = path[start..i].ToString();
            }
        }

        return last;
    }
}
