using System.Globalization;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Finds one socket's Drops counter in <c>/proc/net/netlink</c>:
/// <c>sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode</c>, Eth being the netlink protocol and Pid
/// the port id. The kernel counts every message it could not queue; ENOBUFS reaches user space only
/// once per overflow episode, so this is the exact loss.
/// </summary>
public static class NetlinkDropsParser
{
    public static bool TryFindDrops(ReadOnlySpan<char> text, int protocol, uint portId, out ulong drops)
    {
        drops = 0;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            var tokens = new SpanTokenizer(line);
            if (!tokens.Skip(1) || !tokens.TryNextInt32(out var eth) || eth != protocol
                || !tokens.TryNextUInt32(out var pid) || pid != portId)
            {
                continue;
            }

            // Groups Rmem Wmem Dump Locks, then Drops.
            if (tokens.Skip(5) && tokens.TryNext(out var dropsText)
                && ulong.TryParse(dropsText, NumberStyles.None, CultureInfo.InvariantCulture, out drops))
            {
                return true;
            }

            return false;
        }

        return false;
    }
}
