using System.Net;
using System.Threading.Channels;
using Atalaya.Core.Analytics;

namespace Atalaya.Platform.Linux.Network.Names;

/// <summary>
/// A bounded cache of reverse DNS names that never makes its caller wait: <see cref="TryGetName"/>
/// answers from the cache or queues the address and answers "not yet"; one background worker does
/// the lookups one at a time, each abandoned after <see cref="ReverseDnsOptions.Timeout"/>. Later
/// events for the same address get the name. Failures are cached too (for
/// <see cref="ReverseDnsOptions.NegativeTtl"/>), so a host without DNS costs one failed lookup per
/// address per interval. When lookups keep timing out (the resolver hangs rather than refuses),
/// the worker stops asking for <see cref="ReverseDnsOptions.Backoff"/>: it degrades silently.
/// </summary>
internal sealed class ReverseDnsCache : IDisposable
{
    private readonly ReverseDnsOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<IPAddress, string?> _lookup;
    private readonly Lock _gate = new();
    private readonly BoundedEntityMap<IPAddress, Entry> _entries;
    private readonly HashSet<IPAddress> _queued = [];
    private readonly Channel<IPAddress> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;
    private int _abandoned;
    private DateTimeOffset _suspendedUntil = DateTimeOffset.MinValue;
    private long _resolved;
    private long _failed;
    private long _timedOut;
    private long _dropped;

    public ReverseDnsCache(ReverseDnsOptions? options = null, TimeProvider? time = null, Func<IPAddress, string?>? lookup = null)
    {
        _options = options ?? new ReverseDnsOptions();
        _time = time ?? TimeProvider.System;
        _lookup = lookup ?? Interop.ReverseLookup;
        _entries = new BoundedEntityMap<IPAddress, Entry>(_options.Capacity);
        _queue = Channel.CreateBounded<IPAddress>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        _worker = Task.Run(WorkAsync);
    }

    public long Resolved => Interlocked.Read(ref _resolved);

    public long Failed => Interlocked.Read(ref _failed);

    public long TimedOut => Interlocked.Read(ref _timedOut);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Completed lookups (resolved or failed), for tests and status.</summary>
    public long Completed => Resolved + Failed;

    /// <summary>The cached name; on a miss the address is queued for the worker and false returned at once.</summary>
    public bool TryGetName(IPAddress address, out string name)
    {
        name = "";
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(address, out var entry) && entry.Expires > now)
            {
                name = entry.Name ?? "";
                return entry.Name is not null;
            }

            if (now < _suspendedUntil || _queued.Count >= _options.QueueCapacity || !_queued.Add(address))
            {
                return false;
            }
        }

        if (!_queue.Writer.TryWrite(address))
        {
            Interlocked.Increment(ref _dropped);
            lock (_gate)
            {
                _queued.Remove(address);
            }
        }

        return false;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            _worker.Wait(_options.Timeout + TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var address in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                string? name = null;
                var completed = false;
                if (_time.GetUtcNow() >= _suspendedUntil && Volatile.Read(ref _abandoned) < _options.MaxAbandoned)
                {
                    var lookup = Task.Factory.StartNew(() => Safe(address), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    try
                    {
                        name = await lookup.WaitAsync(_options.Timeout, _stop.Token).ConfigureAwait(false);
                        completed = true;
                    }
                    catch (TimeoutException)
                    {
                        // getnameinfo cannot be cancelled: the thread finishes on its own. Count it
                        // so a resolver that hangs does not pile up threads.
                        Interlocked.Increment(ref _timedOut);
                        Interlocked.Increment(ref _abandoned);
                        _ = lookup.ContinueWith(_ => Interlocked.Decrement(ref _abandoned), TaskScheduler.Default);
                        if (Volatile.Read(ref _abandoned) >= _options.MaxAbandoned)
                        {
                            // Under the gate: callers read it there, and a DateTimeOffset is two words (a torn read is a wrong date).
                            lock (_gate)
                            {
                                _suspendedUntil = _time.GetUtcNow() + _options.Backoff;
                            }
                        }
                    }
                }

                var safe = name is not null && NameText.IsSafeHostName(name) ? NameText.Lower(name.TrimEnd('.')) : null;
                Interlocked.Increment(ref safe is null ? ref _failed : ref _resolved);
                var now = _time.GetUtcNow();
                lock (_gate)
                {
                    _queued.Remove(address);
                    _entries.Set(address, new Entry(safe, now + (safe is not null ? _options.PositiveTtl : completed ? _options.NegativeTtl : _options.Backoff)));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string? Safe(IPAddress address)
    {
        try
        {
            return _lookup(address);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ArgumentException)
        {
            return null;
        }
    }

    private readonly record struct Entry(string? Name, DateTimeOffset Expires);
}
