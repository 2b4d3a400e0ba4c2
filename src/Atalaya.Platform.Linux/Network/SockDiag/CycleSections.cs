using System.Diagnostics;
using System.Globalization;

namespace Atalaya.Platform.Linux.Network.SockDiag;

/// <summary>
/// Where an inventory cycle's time goes (dumps, rows, owners, roles), accumulated with
/// <see cref="Stopwatch.GetTimestamp"/> — a few tens of nanoseconds per cycle — so a benchmark can
/// tell which part is slow without a profiler. Written under the collector's gate.
/// </summary>
internal sealed class CycleSections
{
    private long _cycles;
    private long _dump;
    private long _rows;
    private long _owners;
    private long _roles;

    public void Add(long dump, long rows, long owners, long roles)
    {
        _cycles++;
        _dump += dump;
        _rows += rows;
        _owners += owners;
        _roles += roles;
    }

    public void Reset() => _cycles = _dump = _rows = _owners = _roles = 0;

    public override string ToString()
    {
        if (_cycles == 0)
        {
            return "no cycles";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"dump {Mean(_dump):0.00} ms, rows {Mean(_rows):0.00} ms, owners {Mean(_owners):0.00} ms, roles {Mean(_roles):0.00} ms over {_cycles} cycles");
    }

    private double Mean(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / _cycles;
}
