using System.Runtime.InteropServices;
using Atalaya.Core.Yara;

namespace Atalaya.Platform.Linux.Yara;

/// <summary>
/// Compiled YARA rules (a YR_RULES*) and the scanner over them. Scans are thread-safe: libyara 4
/// gives each yr_rules_scan_* call its own scan context, up to 32 concurrent calls per rule set
/// (YR_MAX_THREADS), which a semaphore enforces here so a 33rd caller waits instead of failing.
/// Match details are read from the YR_RULE the callback hands over, which lives in the rules' arena.
/// </summary>
public sealed class YaraRules : SafeHandle, IYaraScanner
{
    private const int MaxConcurrentScans = 32;
    private const int S_IFMT = 0xF000;
    private const int S_IFREG = 0x8000;
    private const string CouldNotOpen = "the file could not be opened";
    private const string NotRegular = "not a regular file";

    private readonly SemaphoreSlim _slots = new(MaxConcurrentScans, MaxConcurrentScans);

    internal YaraRules(nint rules, int ruleCount)
        : base(0, ownsHandle: true)
    {
        SetHandle(rules);
        RuleCount = ruleCount;
    }

    /// <summary>
    /// Wraps a YR_RULES* and counts its public rules: scanning an empty buffer reports every rule once,
    /// matching or not (private rules are never reported), which is exact where parsing the text is not.
    /// </summary>
    internal static unsafe YaraRules Adopt(nint rules)
    {
        var count = 0;
        var error = Interop.YrRulesScanMem(rules, null, 0, 0, &Interop.YaraCountCallback, (nint)(&count), 0);
        return new YaraRules(rules, error == Interop.YaraErrorSuccess ? count : 0);
    }

    public override bool IsInvalid => handle == 0;

    public int RuleCount { get; }

    /// <summary>Seconds after which libyara gives up on one file (a pathological rule on a huge file).</summary>
    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>
    /// Scans a regular file. The path comes from events, and what it names can change before the scan: a
    /// FIFO put in place of an executable would block a plain open(2), and so the engine thread, until a
    /// writer came. The type is checked on the path (a device is never opened) and again on the descriptor,
    /// opened non-blocking, which is what is scanned.
    /// </summary>
    public YaraScanResult ScanFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Interop.TryStatx(path, out var before) && (before.stx_mode & S_IFMT) != S_IFREG)
        {
            return YaraScanResult.Failed(NotRegular);
        }

        using var file = Interop.OpenNonBlocking(path);
        if (file.IsInvalid)
        {
            return YaraScanResult.Failed(CouldNotOpen);
        }

        if (!Interop.TryStatx(file, out var opened) || (opened.stx_mode & S_IFMT) != S_IFREG)
        {
            return YaraScanResult.Failed(NotRegular);
        }

        var fd = (int)file.DangerousGetHandle();
        return Scan((rules, callback, user) =>
        {
            unsafe
            {
                return Interop.YrRulesScanFd(rules, fd, 0, (delegate* unmanaged[Cdecl]<nint, int, nint, nint, int>)callback, user, TimeoutSeconds);
            }
        });
    }

    public unsafe YaraScanResult ScanMemory(ReadOnlySpan<byte> content)
    {
        fixed (byte* data = content)
        {
            var pointer = (nint)data;
            var length = (nuint)content.Length;
            return Scan((rules, callback, user) =>
                Interop.YrRulesScanMem(rules, (byte*)pointer, length, 0, (delegate* unmanaged[Cdecl]<nint, int, nint, nint, int>)callback, user, TimeoutSeconds));
        }
    }

    private unsafe YaraScanResult Scan(Func<nint, nint, nint, int> call)
    {
        var found = new List<nint>();
        var user = GCHandle.Alloc(found);
        var added = false;
        var slot = false;
        try
        {
            // The reference first: ReleaseHandle (a Dispose racing this scan) disposes the semaphore, so
            // the slot is taken and given back only while the reference keeps the handle alive.
            DangerousAddRef(ref added);
            _slots.Wait();
            slot = true;
            delegate* unmanaged[Cdecl]<nint, int, nint, nint, int> callback = &Interop.YaraScanCallback;
            var error = call(handle, (nint)callback, GCHandle.ToIntPtr(user));
            if (error != Interop.YaraErrorSuccess)
            {
                return YaraScanResult.Failed(error switch
                {
                    Interop.YaraErrorCouldNotOpenFile => CouldNotOpen,
                    Interop.YaraErrorCouldNotMapFile => "the file could not be mapped",
                    Interop.YaraErrorScanTimeout => $"the scan timed out after {TimeoutSeconds} s",
                    _ => $"libyara error {error}",
                });
            }

            var matches = new YaraMatch[found.Count];
            for (var i = 0; i < found.Count; i++)
            {
                matches[i] = ReadRule(found[i]);
            }

            return new YaraScanResult(matches, null);
        }
        finally
        {
            if (slot)
            {
                _slots.Release();
            }

            if (added)
            {
                DangerousRelease();
            }

            user.Free();
        }
    }

    /// <summary>Reads YR_RULE: identifier at offset 8, tags (NUL-separated, empty-terminated), metas, namespace.</summary>
    internal static unsafe YaraMatch ReadRule(nint rule)
    {
        var identifier = Marshal.PtrToStringUTF8(*(nint*)(rule + Interop.YaraRuleIdentifierOffset)) ?? "?";
        var tags = new List<string>();
        for (var tag = *(byte**)(rule + Interop.YaraRuleTagsOffset); tag != null && *tag != 0;)
        {
            var text = Marshal.PtrToStringUTF8((nint)tag) ?? string.Empty;
            tags.Add(text);
            tag += System.Text.Encoding.UTF8.GetByteCount(text) + 1;
        }

        var meta = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var m = *(Interop.YaraMeta**)(rule + Interop.YaraRuleMetasOffset); m != null; m = (m->Flags & Interop.YaraMetaFlagsLastInRule) != 0 ? null : m + 1)
        {
            var key = Marshal.PtrToStringUTF8(m->Identifier) ?? string.Empty;
            var value = m->Type switch
            {
                Interop.YaraMetaTypeString => Marshal.PtrToStringUTF8(m->String) ?? string.Empty,
                Interop.YaraMetaTypeBoolean => m->Integer != 0 ? "true" : "false",
                _ => m->Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            meta.TryAdd(key, value);
        }

        var ns = *(nint*)(rule + Interop.YaraRuleNamespaceOffset);
        var nsName = ns == 0 ? "default" : Marshal.PtrToStringUTF8(*(nint*)ns) ?? "default";
        return new YaraMatch(identifier, nsName, tags, meta);
    }

    protected override bool ReleaseHandle()
    {
        _slots.Dispose();
        return Interop.YrRulesDestroy(handle) == Interop.YaraErrorSuccess;
    }
}
