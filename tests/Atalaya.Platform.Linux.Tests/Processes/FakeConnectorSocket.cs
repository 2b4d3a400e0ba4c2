using System.Collections.Concurrent;
using Atalaya.Platform.Linux.Processes;

namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// A scripted connector socket: each queued item is a datagram or an errno; an empty queue answers
/// EAGAIN after a short wait, as the real socket does on its receive timeout.
/// </summary>
internal sealed class FakeConnectorSocket : IProcConnectorSocket
{
    private readonly ConcurrentQueue<(byte[]? Datagram, int Errno)> _queue = new();

    public uint PortId => 0xfffffff0;

    public int Descriptor => -1;

    public int Receives;

    public bool Disposed { get; private set; }

    /// <summary>Items the collector has not received yet.</summary>
    public int Pending => _queue.Count;

    public void Enqueue(byte[] datagram) => _queue.Enqueue((datagram, 0));

    public void EnqueueError(int errno) => _queue.Enqueue((null, errno));

    public int Receive(Span<byte> buffer)
    {
        Interlocked.Increment(ref Receives);
        if (!_queue.TryDequeue(out var item))
        {
            Thread.Sleep(5);
            return -11;
        }

        if (item.Datagram is null)
        {
            return -item.Errno;
        }

        var length = Math.Min(item.Datagram.Length, buffer.Length);
        item.Datagram.AsSpan(0, length).CopyTo(buffer);
        return length;
    }

    public void Dispose() => Disposed = true;
}
