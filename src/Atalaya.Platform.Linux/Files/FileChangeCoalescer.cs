namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// Merges raw changes to one path that arrive close together: an editor's save (create, many writes,
/// close) or a copy in 4 KiB chunks becomes one event, reported once the path has been quiet for the
/// window or has been busy for the maximum delay. A rename merges the source path's pending entry into
/// the target's (write-to-temp-then-rename is one save). Pure: time is passed in as TimeProvider ticks;
/// bounded: past the capacity the oldest pending path is flushed early rather than dropped.
/// </summary>
public sealed class FileChangeCoalescer
{
    private readonly long _windowTicks;
    private readonly long _maxDelayTicks;
    private readonly int _capacity;
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly List<CoalescedFileChange> _forced = [];

    public FileChangeCoalescer(TimeSpan window, TimeSpan maxDelay, long timestampFrequency, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _windowTicks = (long)(window.TotalSeconds * timestampFrequency);
        _maxDelayTicks = (long)(maxDelay.TotalSeconds * timestampFrequency);
        _capacity = capacity;
    }

    public int PendingCount => _pending.Count;

    /// <summary>Raw changes merged into an already pending path (each merged change is one event fewer).</summary>
    public long Merged { get; private set; }

    /// <summary>Paths flushed before their window closed because the pending table was full.</summary>
    public long ForcedFlushes { get; private set; }

    public void Add(RawFileChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Pending? source = null;
        if (change.OldPath is not null && _pending.Remove(change.OldPath, out var moved))
        {
            source = moved;
            Merged++;
        }

        if (_pending.TryGetValue(change.Path, out var entry))
        {
            Merged++;
        }
        else
        {
            if (_pending.Count >= _capacity)
            {
                ForceOldest();
            }

            entry = new Pending(change.Path, change.Operation, change.Timestamp);
            _pending[change.Path] = entry;
        }

        if (source is not null)
        {
            // The target inherits what happened under the old name: created under a temporary name and
            // renamed into place is a creation (or replacement) of the target.
            entry.Operations |= source.Operations;
            entry.Count += source.Count;
            entry.First = source.First;
            entry.FirstTimestamp = Math.Min(entry.FirstTimestamp, source.FirstTimestamp);
            entry.OldPath ??= source.OldPath ?? change.OldPath;
        }
        else if (change.OldPath is not null)
        {
            entry.OldPath ??= change.OldPath;
        }

        entry.Operations |= change.Operation;
        entry.Last = change.Operation;
        entry.LastTimestamp = change.Timestamp;
        entry.IsDirectory |= change.IsDirectory;
        entry.Count++;
        // The writer shown is the last one that changed content: a chmod after a drop must not hide the dropper.
        var attributeOnly = change.Operation == FileOperation.Attrib && entry.WriterPid is not null;
        if (change.WriterPid is not null && !attributeOnly && (change.Writer is not null || entry.Writer is null))
        {
            entry.WriterPid = change.WriterPid;
            entry.Writer = change.Writer ?? entry.Writer;
            entry.WriterPartial = change.WriterPartial;
        }
    }

    /// <summary>Paths whose window has closed at <paramref name="now"/> (or all of them when <paramref name="all"/>).</summary>
    public List<CoalescedFileChange> Drain(long now, bool all = false)
    {
        var ready = new List<CoalescedFileChange>(_forced);
        _forced.Clear();
        List<string>? done = null;
        foreach (var (path, entry) in _pending)
        {
            if (all || now - entry.LastTimestamp >= _windowTicks || now - entry.FirstTimestamp >= _maxDelayTicks)
            {
                (done ??= []).Add(path);
                ready.Add(entry.ToChange());
            }
        }

        if (done is not null)
        {
            foreach (var path in done)
            {
                _pending.Remove(path);
            }
        }

        return ready;
    }

    private void ForceOldest()
    {
        Pending? oldest = null;
        foreach (var entry in _pending.Values)
        {
            if (oldest is null || entry.FirstTimestamp < oldest.FirstTimestamp)
            {
                oldest = entry;
            }
        }

        if (oldest is not null)
        {
            _pending.Remove(oldest.Path);
            _forced.Add(oldest.ToChange());
            ForcedFlushes++;
        }
    }

    private sealed class Pending(string path, FileOperation first, long timestamp)
    {
        public string Path { get; } = path;

        public FileOperation Operations { get; set; }

        public FileOperation First { get; set; } = first;

        public FileOperation Last { get; set; } = first;

        public long FirstTimestamp { get; set; } = timestamp;

        public long LastTimestamp { get; set; } = timestamp;

        public bool IsDirectory { get; set; }

        public int Count { get; set; }

        public string? OldPath { get; set; }

        public int? WriterPid { get; set; }

        public Core.Schema.ProcessFields? Writer { get; set; }

        public bool WriterPartial { get; set; }

        public CoalescedFileChange ToChange() => new()
        {
            Path = Path,
            Operations = Operations,
            First = First,
            Last = Last,
            IsDirectory = IsDirectory,
            Count = Count,
            FirstTimestamp = FirstTimestamp,
            OldPath = OldPath,
            WriterPid = WriterPid,
            Writer = Writer,
            WriterPartial = WriterPartial,
        };
    }
}
