using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Atalaya.Platform.Linux.Processes;

/// <summary>
/// The kernel process program (Bpf/process_events.bpf.c, embedded in this assembly at build time)
/// loaded through libbpf and attached to the fork, exec and exit tracepoints, with the ring buffer its
/// records arrive in. Owned by one thread: <see cref="Consume"/> calls the handler on the caller's thread.
/// </summary>
internal sealed unsafe class BpfProcessProgram : IDisposable
{
    internal const string ResourceName = "Atalaya.Bpf.process_events.bpf.o";

    private static readonly string[] ProgramNames = ["on_fork", "on_exec", "on_exit"];
    private static readonly Lock LogLock = new();
    private static readonly Queue<string> Log = new();
    private static bool _printInstalled;

    private readonly nint _object;
    private readonly List<nint> _links;
    private readonly nint _ring;
    private readonly int _lostMapFd;
    private readonly int _cpus;
    private GCHandle _self;
    private Action<BpfProcessRecord>? _handler;
    private Exception? _handlerFailure;

    private BpfProcessProgram(nint bpfObject, List<nint> links, int lostMapFd)
    {
        _object = bpfObject;
        _links = links;
        _lostMapFd = lostMapFd;
        _cpus = Math.Max(1, Interop.LibBpfNumPossibleCpus());
        _self = GCHandle.Alloc(this);
        var recordsFd = Interop.BpfObjectFindMapFd(bpfObject, "records");
        _ring = Interop.RingBufferNew(recordsFd, &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (_ring == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Release();
            throw new IOException($"ring_buffer__new failed: errno {errno}");
        }
    }

    /// <summary>Records that did not parse (a layout mismatch between the program and this assembly).</summary>
    public long Malformed { get; private set; }

    /// <summary>Whether this build carries the compiled program (clang and libbpf-dev were there to build it).</summary>
    public static bool IsEmbedded => typeof(BpfProcessProgram).Assembly.GetManifestResourceInfo(ResourceName) is not null;

    /// <summary>
    /// Loads, verifies and attaches the program. Null with a reason a person can act on when this build
    /// has no program, libbpf is missing, or the kernel refuses it (no BTF, no BPF, not root); the
    /// reason carries libbpf's last warnings (the verifier's verdict among them).
    /// </summary>
    public static BpfProcessProgram? TryLoad(out string? reason)
    {
        using var resource = typeof(BpfProcessProgram).Assembly.GetManifestResourceStream(ResourceName);
        if (resource is null)
        {
            reason = "this build has no eBPF program (clang or libbpf-dev was missing when it was built)";
            return null;
        }

        var bytes = new byte[resource.Length];
        resource.ReadExactly(bytes);
        try
        {
            return Load(bytes, out reason);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            reason = $"libbpf.so.1 is not usable here (Debian: apt install libbpf1): {e.Message}";
            return null;
        }
    }

    private static BpfProcessProgram? Load(byte[] bytes, out string? reason)
    {
        InstallPrint();
        lock (LogLock)
        {
            Log.Clear();
        }

        nint bpfObject;
        fixed (byte* data = bytes)
        {
            bpfObject = Interop.BpfObjectOpenMem(data, (nuint)bytes.Length, 0);
        }

        if (bpfObject == 0)
        {
            reason = Because($"opening the eBPF object failed: errno {Marshal.GetLastPInvokeError()}");
            return null;
        }

        var links = new List<nint>();
        var error = Interop.BpfObjectLoad(bpfObject);
        if (error != 0)
        {
            Interop.BpfObjectClose(bpfObject);
            reason = Because($"the kernel refused the eBPF program: errno {-error}{(-error == Interop.EPERM ? " (needs root / CAP_BPF and CAP_PERFMON)" : "")}");
            return null;
        }

        foreach (var name in ProgramNames)
        {
            var program = Interop.BpfObjectFindProgram(bpfObject, name);
            var link = program == 0 ? 0 : Interop.BpfProgramAttach(program);
            if (link == 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                links.ForEach(l => _ = Interop.BpfLinkDestroy(l));
                Interop.BpfObjectClose(bpfObject);
                reason = Because($"attaching {name} failed: errno {errno}");
                return null;
            }

            links.Add(link);
        }

        var lostFd = Interop.BpfObjectFindMapFd(bpfObject, "lost");
        try
        {
            reason = null;
            return new BpfProcessProgram(bpfObject, links, lostFd);
        }
        catch (IOException e)
        {
            reason = e.Message;
            return null;
        }
    }

    /// <summary>
    /// Hands every record waiting in the ring to <paramref name="handler"/>, on this thread; how many.
    /// A handler's exception stops the batch and is rethrown here.
    /// </summary>
    public int Consume(Action<BpfProcessRecord> handler)
    {
        _handler = handler;
        try
        {
            var consumed = Interop.RingBufferConsume(_ring);
            if (_handlerFailure is { } failure)
            {
                _handlerFailure = null;
                throw new InvalidOperationException("a process record handler failed", failure);
            }

            return consumed;
        }
        finally
        {
            _handler = null;
        }
    }

    /// <summary>Records the ring had no room for since the program was loaded (summed over CPUs).</summary>
    public ulong ReadLost()
    {
        var values = stackalloc ulong[_cpus];
        var key = 0u;
        if (Interop.BpfMapLookupElem(_lostMapFd, &key, values) != 0)
        {
            return 0;
        }

        ulong sum = 0;
        for (var i = 0; i < _cpus; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    public void Dispose()
    {
        if (_ring != 0)
        {
            Interop.RingBufferFree(_ring);
        }

        Release();
    }

    private void Release()
    {
        foreach (var link in _links)
        {
            _ = Interop.BpfLinkDestroy(link);
        }

        _links.Clear();
        Interop.BpfObjectClose(_object);
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnSample(nint context, byte* data, nuint size)
    {
        // No exception may cross into libbpf's frames: it is kept and rethrown by Consume.
        var program = (BpfProcessProgram)GCHandle.FromIntPtr(context).Target!;
        try
        {
            if (BpfProcessRecordParser.TryParse(new ReadOnlySpan<byte>(data, (int)Math.Min(size, int.MaxValue)), out var record))
            {
                program._handler?.Invoke(record);
            }
            else
            {
                program.Malformed++;
            }

            return 0;
        }
        catch (Exception e)
        {
            program._handlerFailure = e;
            return -1;
        }
    }

    private static string Because(string what)
    {
        lock (LogLock)
        {
            return Log.Count == 0 ? what : what + "; libbpf: " + string.Join(" | ", Log);
        }
    }

    private static void InstallPrint()
    {
        lock (LogLock)
        {
            if (!_printInstalled)
            {
                Interop.LibBpfSetPrint(&OnPrint);
                _printInstalled = true;
            }
        }
    }

    /// <summary>libbpf's warnings, the last few kept for the reason of a refusal; info and debug dropped.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnPrint(int level, byte* format, nint arguments)
    {
        if (level != Interop.LibBpfWarn)
        {
            return 0;
        }

        const int Size = 512;
        var buffer = stackalloc byte[Size];
        var length = Interop.VsnPrintf(buffer, Size, format, arguments);
        if (length <= 0)
        {
            return 0;
        }

        var text = Encoding.UTF8.GetString(buffer, Math.Min(length, Size - 1)).Trim();
        lock (LogLock)
        {
            if (Log.Count >= 6)
            {
                Log.Dequeue();
            }

            Log.Enqueue(text);
        }

        return 0;
    }
}
