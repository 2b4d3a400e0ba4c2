using System.Buffers;
using System.Globalization;
using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// Reads /proc/[pid]/{stat,status,cmdline,exe,cwd} with pooled buffers and hands the text to the pure
/// parsers. A process can exit between any two reads: that is a status, never an exception.
/// </summary>
internal sealed class ProcessReader
{
    /// <summary>The kernel prints stat in well under 1 KiB and status in under 4 KiB.</summary>
    private const int SmallFileMax = 64 * 1024;

    /// <summary>
    /// argv can be as large as a quarter of the stack rlimit (2 MiB by default, more if raised);
    /// past this the tail is dropped and the record marked partial.
    /// </summary>
    internal const int CmdlineMax = 1024 * 1024;

    /// <summary>The environment block is bounded by the same argv+envp limit; the watched variables are near the top.</summary>
    internal const int EnvironMax = 256 * 1024;

    /// <summary>A JVM or browser can have tens of thousands of mappings; past this the summary is partial.</summary>
    internal const int MapsMax = 4 * 1024 * 1024;

    /// <summary>Namespace types compared with init's, in /proc/[pid]/ns.</summary>
    internal static readonly string[] NamespaceTypes = ["mnt", "net", "pid", "user", "uts", "ipc", "cgroup", "time"];

    private const string DeletedSuffix = " (deleted)";

    private readonly string _procRoot;

    public ProcessReader(string procRoot = "/proc") => _procRoot = procRoot.TrimEnd('/');

    public string ProcRoot => _procRoot;

    public string PathOf(int pid, string file) =>
        string.Concat(_procRoot, "/", pid.ToString(CultureInfo.InvariantCulture), "/", file);

    /// <summary>Files of one process read through its open /proc/[pid] handle (see <see cref="ProcPidDirectory"/>).</summary>
    public bool TryOpen(int pid, out ProcPidDirectory directory, out ProcReadStatus status)
    {
        var opened = ProcPidDirectory.TryOpen(_procRoot, pid, out directory, out var errno);
        status = opened ? ProcReadStatus.Ok : StatusOf(errno);
        return opened;
    }

    private ProcPidDirectory ByPath(int pid) => ProcPidDirectory.ByPath(_procRoot, pid);

    public ProcReadStatus TryReadStat(int pid, out ProcStat stat) => TryReadStat(ByPath(pid), out stat);

    public ProcReadStatus TryReadStat(in ProcPidDirectory process, out ProcStat stat)
    {
        var pid = process.Pid;
        stat = default;
        var status = ReadText(process, "stat", SmallFileMax, static (text, _) => (ProcStatParser.TryParse(text, out var s), s), out var parsed);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        // A stat for another pid would mean a broken proc root; treat it like malformed content.
        if (!parsed.Ok || parsed.Value.Pid != pid)
        {
            return ProcReadStatus.Malformed;
        }

        stat = parsed.Value;
        return ProcReadStatus.Ok;
    }

    public ProcReadStatus TryReadStatus(int pid, out ProcStatus? value) => TryReadStatus(ByPath(pid), out value);

    public ProcReadStatus TryReadStatus(in ProcPidDirectory process, out ProcStatus? value)
    {
        value = null;
        var status = ReadText(process, "status", SmallFileMax, static (text, _) => (ProcStatusParser.TryParse(text, out var s), s), out var parsed);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        if (!parsed.Ok)
        {
            return ProcReadStatus.Malformed;
        }

        value = parsed.Value;
        return ProcReadStatus.Ok;
    }

    public ProcReadStatus TryReadCmdline(int pid, out string[] args, out bool truncated) => TryReadCmdline(ByPath(pid), out args, out truncated);

    public ProcReadStatus TryReadCmdline(in ProcPidDirectory process, out string[] args, out bool truncated)
    {
        args = [];
        truncated = false;
        var status = ReadBytes(process, "cmdline", CmdlineMax, out var buffer, out var length, out truncated);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        try
        {
            args = ProcCmdlineParser.Parse(buffer.AsSpan(0, length));
            return ProcReadStatus.Ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// readlink of /proc/[pid]/exe. The kernel appends " (deleted)" to the path of an unlinked file; a
    /// file can also be really named that way, so the suffix is only trusted when the link's target has
    /// no links left (statx nlink 0) or cannot be stat'ed.
    /// </summary>
    public ProcReadStatus TryReadExecutable(int pid, out string? executable, out bool deleted) =>
        TryReadExecutable(ByPath(pid), out executable, out deleted);

    /// <inheritdoc cref="TryReadExecutable(int, out string?, out bool)"/>
    public ProcReadStatus TryReadExecutable(in ProcPidDirectory process, out string? executable, out bool deleted)
    {
        deleted = false;
        var path = process.PathOf("exe");
        var status = ReadLink(process.Fd, path, out executable);
        if (status != ProcReadStatus.Ok || executable is null || !executable.EndsWith(DeletedSuffix, StringComparison.Ordinal))
        {
            return status;
        }

        if (!Interop.TryStatxAt(process.Fd, path, out var target) || target.stx_nlink == 0)
        {
            deleted = true;
            executable = executable[..^DeletedSuffix.Length];
        }

        return ProcReadStatus.Ok;
    }

    /// <summary>The watched dynamic-linker variables of /proc/[pid]/environ (root or the same user can read it).</summary>
    public ProcReadStatus TryReadWatchedEnvironment(int pid, out IReadOnlyList<string> variables) =>
        TryReadWatchedEnvironment(ByPath(pid), out variables);

    public ProcReadStatus TryReadWatchedEnvironment(in ProcPidDirectory process, out IReadOnlyList<string> variables)
    {
        variables = [];
        var status = ReadBytes(process, "environ", EnvironMax, out var buffer, out var length, out _);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        try
        {
            variables = ProcEnvironParser.FindWatched(buffer.AsSpan(0, length));
            return ProcReadStatus.Ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Summary of /proc/[pid]/maps; costs a page-table walk in the kernel, so only for new processes.</summary>
    public ProcReadStatus TryReadMaps(int pid, out ProcMapsSummary? summary)
    {
        summary = null;
        var status = ReadText(ByPath(pid), "maps", MapsMax, static (text, _) => (ProcMapsParser.TryParse(text, out var s), s), out var parsed, oneRecord: false);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        if (!parsed.Ok)
        {
            return ProcReadStatus.Malformed;
        }

        summary = parsed.Value;
        return ProcReadStatus.Ok;
    }

    public ProcReadStatus TryReadCgroup(int pid, out string? path, out string? containerId) => TryReadCgroup(ByPath(pid), out path, out containerId);

    public ProcReadStatus TryReadCgroup(in ProcPidDirectory process, out string? path, out string? containerId)
    {
        path = null;
        containerId = null;
        var status = ReadText(process, "cgroup", SmallFileMax, static (text, _) =>
            (ProcCgroupParser.TryParse(text, out var p, out var id), (Path: p, Id: id)), out var parsed);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        if (!parsed.Ok)
        {
            return ProcReadStatus.Malformed;
        }

        (path, containerId) = parsed.Value;
        return ProcReadStatus.Ok;
    }

    /// <summary>
    /// Open descriptors of the process; null when /proc/[pid]/fd cannot be read (gone, denied).
    /// Since Linux 6.2 a stat of /proc/[pid]/fd reports the count as its size: one statx instead of
    /// listing the directory, which makes the kernel build a dentry and inode for every descriptor
    /// (measured here at ~0.5 ms per process under load, most of a full read). Older kernels report
    /// size 0, and then the directory is listed.
    /// </summary>
    public int? CountOpenFiles(int pid) => CountOpenFiles(ByPath(pid));

    /// <inheritdoc cref="CountOpenFiles(int)"/>
    public int? CountOpenFiles(in ProcPidDirectory process)
    {
        if (Interop.TryStatxAt(process.Fd, process.PathOf("fd"), out var stat) && stat.stx_size is > 0 and <= int.MaxValue)
        {
            return (int)stat.stx_size;
        }

        return CountByListing(PathOf(process.Pid, "fd"));
    }

    /// <summary>What descriptor 0 (stdin) points at (readlink of fd/0); null when closed, gone or denied.</summary>
    public string? ReadStdinLink(in ProcPidDirectory process) => Interop.ReadLinkAt(process.Fd, process.PathOf("fd/0"), out _);

    /// <summary>Entries of an fd directory by listing it; null when it cannot be listed.</summary>
    internal static int? CountByListing(string fdDirectory)
    {
        try
        {
            var count = 0;
            foreach (var _ in new System.IO.Enumeration.FileSystemEnumerable<byte>(fdDirectory, static (ref System.IO.Enumeration.FileSystemEntry _) => 0,
                new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0, RecurseSubdirectories = false }))
            {
                count++;
            }

            return count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>readlink of /proc/[pid]/ns/&lt;type&gt; (<c>net:[4026531840]</c>); null when gone or unsupported.</summary>
    public string? ReadNamespace(int pid, string type) => Interop.ReadLink(PathOf(pid, "ns/" + type), out _);

    /// <summary>Size and modification time of the running executable, through the magic link (works when deleted).</summary>
    public bool TryStatExecutable(int pid, out long size, out DateTimeOffset mtime)
    {
        size = 0;
        mtime = default;
        if (!Interop.TryStatx(PathOf(pid, "exe"), out var buffer))
        {
            return false;
        }

        size = (long)buffer.stx_size;
        mtime = MtimeOf(buffer);
        return true;
    }

    internal static DateTimeOffset MtimeOf(in Interop.StatxBuffer buffer) =>
        DateTimeOffset.FromUnixTimeSeconds(buffer.stx_mtime.tv_sec).AddTicks(buffer.stx_mtime.tv_nsec / 100);

    /// <summary>
    /// /proc/[pid]/loginuid: the audit login uid (auid) that pam_loginuid set at login and every
    /// descendant inherits, so a root shell opened by "sudo -i" from alice still says alice.
    /// 4294967295 is "unset" (daemons started at boot). Absent on kernels without CONFIG_AUDIT (Gone).
    /// </summary>
    public ProcReadStatus TryReadLoginUid(int pid, out uint loginUid) => TryReadLoginUid(ByPath(pid), out loginUid);

    public ProcReadStatus TryReadLoginUid(in ProcPidDirectory process, out uint loginUid)
    {
        loginUid = 0;
        var status = ReadText(process, "loginuid", SmallFileMax, static (text, _) => (TryParseLoginUid(text, out var v), v), out var parsed);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        if (!parsed.Ok)
        {
            return ProcReadStatus.Malformed;
        }

        loginUid = parsed.Value;
        return ProcReadStatus.Ok;
    }

    /// <summary>The kernel prints the uid in decimal, without a newline; tolerate surrounding whitespace.</summary>
    internal static bool TryParseLoginUid(ReadOnlySpan<char> text, out uint value) =>
        uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public ProcReadStatus TryReadWorkingDirectory(int pid, out string? directory) => TryReadWorkingDirectory(ByPath(pid), out directory);

    public ProcReadStatus TryReadWorkingDirectory(in ProcPidDirectory process, out string? directory) =>
        ReadLink(process.Fd, process.PathOf("cwd"), out directory);

    /// <summary>
    /// Full read. False only when stat itself is gone or malformed (the process is not in the table);
    /// any later failure yields a record marked <see cref="ProcessRecord.Partial"/>.
    /// </summary>
    public bool TryRead(int pid, out ProcessRecord? record, out ProcReadStatus statStatus) => TryRead(ByPath(pid), null, out record, out statStatus);

    /// <summary>
    /// Full read reusing an <see cref="ExecImage"/> already read at the exec event (null: read them
    /// here). The image read first is the better one: a process that exits meanwhile leaves an empty
    /// cmdline and no exe behind.
    /// </summary>
    public bool TryRead(in ProcPidDirectory process, ExecImage? image, out ProcessRecord? record, out ProcReadStatus statStatus) =>
        TryRead(process, image, null, out record, out statStatus);

    /// <param name="knownStat">stat already read through the same handle (a scan reads it to decide whether to read the rest).</param>
    public bool TryRead(in ProcPidDirectory process, ExecImage? image, ProcStat? knownStat, out ProcessRecord? record, out ProcReadStatus statStatus)
    {
        var pid = process.Pid;
        record = null;
        ProcStat stat;
        if (knownStat is { } given)
        {
            (stat, statStatus) = (given, ProcReadStatus.Ok);
        }
        else
        {
            statStatus = TryReadStat(process, out stat);
        }

        if (statStatus != ProcReadStatus.Ok)
        {
            return false;
        }

        var partial = TryReadStatus(process, out var procStatus) != ProcReadStatus.Ok;
        string[] args;
        bool truncated;
        if (image is { } pre)
        {
            (args, truncated) = (pre.Args, pre.ArgsTruncated);
            partial |= pre.ArgsStatus != ProcReadStatus.Ok || truncated;
        }
        else
        {
            partial |= TryReadCmdline(process, out args, out truncated) != ProcReadStatus.Ok || truncated;
        }

        string? executable = null;
        string? cwd = null;
        var deleted = false;

        // Kernel threads have no mm: exe and cwd are meaningless (exe is ENOENT). A zombie has
        // released its mm too; neither case is a partial read.
        if (image is { } read && !stat.IsKernelThread)
        {
            // Read before it could exit: kept even if it is a zombie now (cwd is gone then: partial).
            (executable, deleted) = (read.Executable, read.ExecutableDeleted);
            partial |= read.ExecutableStatus != ProcReadStatus.Ok;
            partial |= stat.State == 'Z' || TryReadWorkingDirectory(process, out cwd) != ProcReadStatus.Ok;
        }
        else if (!stat.IsKernelThread && stat.State != 'Z')
        {
            partial |= TryReadExecutable(process, out executable, out deleted) != ProcReadStatus.Ok;
            partial |= TryReadWorkingDirectory(process, out cwd) != ProcReadStatus.Ok;
        }

        record = new ProcessRecord
        {
            Pid = pid,
            Stat = stat,
            Status = procStatus,
            Args = args,
            Executable = executable,
            WorkingDirectory = cwd,
            ExecutableDeleted = deleted,
            Partial = partial,
        };
        return true;
    }

    private static ProcReadStatus ReadLink(int directory, string path, out string? target)
    {
        target = Interop.ReadLinkAt(directory, path, out var errno);
        if (target is not null)
        {
            return ProcReadStatus.Ok;
        }

        return errno is Interop.EACCES or Interop.EPERM ? ProcReadStatus.Denied : ProcReadStatus.Gone;
    }

    private static ProcReadStatus ReadText<T>(in ProcPidDirectory process, string name, int max, Func<ReadOnlySpan<char>, object?, (bool Ok, T Value)> parse,
        out (bool Ok, T Value) result, bool oneRecord = true)
    {
        result = default;
        var status = ReadBytes(process, name, max, out var bytes, out var length, out _, oneRecord);
        if (status != ProcReadStatus.Ok)
        {
            return status;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(length));
        try
        {
            // Replacement-char decoding: comm is raw bytes from a file name and may be invalid UTF-8.
            var count = Encoding.UTF8.GetChars(bytes.AsSpan(0, length), chars);
            result = parse(chars.AsSpan(0, count), null);
            return ProcReadStatus.Ok;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>
    /// The whole file into a pooled buffer with raw open/read/close (no SafeHandle, no fstat). The
    /// rented buffer is the caller's to return when the status is Ok.
    /// </summary>
    /// <param name="oneRecord">
    /// The file is printed as one piece (stat, status, cgroup, loginuid through single_open; cmdline and
    /// environ, whose read loops until the buffer is full or the strings end): a read that leaves room
    /// in the buffer has returned all of it, and the read that would return 0 is skipped (one syscall of
    /// about four per file). Not so for multi-record seq files such as maps, which stop short of a
    /// record that does not fit.
    /// </param>
    private static ProcReadStatus ReadBytes(in ProcPidDirectory process, string name, int max, out byte[] buffer, out int length, out bool truncated,
        bool oneRecord = true)
    {
        buffer = [];
        length = 0;
        truncated = false;
        var fd = Interop.OpenReadOnlyAt(process.Fd, process.PathOf(name), out var errno);
        if (fd < 0)
        {
            // ENOENT/ESRCH: the pid is gone; EACCES/EPERM: not ours to read (hidepid, another user).
            return StatusOf(errno);
        }

        var rented = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (true)
            {
                // /proc files report size 0, so read until EOF; the kernel may return short reads.
                var read = Interop.Read(fd, rented.AsSpan(length), out errno);
                if (read < 0)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                    return StatusOf(errno);
                }

                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length < rented.Length)
                {
                    if (oneRecord)
                    {
                        break;
                    }

                    continue;
                }

                if (rented.Length >= max)
                {
                    truncated = true;
                    break;
                }

                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(rented.Length * 2, max));
                rented.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(rented);
                rented = larger;
            }
        }
        finally
        {
            _ = Interop.Close(fd);
        }

        buffer = rented;
        return ProcReadStatus.Ok;
    }

    private static ProcReadStatus StatusOf(int errno) =>
        errno is Interop.EACCES or Interop.EPERM ? ProcReadStatus.Denied : ProcReadStatus.Gone;
}
