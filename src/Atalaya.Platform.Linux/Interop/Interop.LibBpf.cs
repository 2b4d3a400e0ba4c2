using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

/// <summary>
/// libbpf 1.x (Debian <c>libbpf1</c>), bound by its SONAME: it opens the embedded BPF object, relocates
/// it against the running kernel's BTF, loads and attaches its programs, and reads the ring buffer.
/// Every call returns NULL or a negative errno on failure (libbpf 1.0 semantics); pointers are opaque.
/// </summary>
internal static partial class Interop
{
    internal const string LibBpf = "libbpf.so.1";

    /// <summary>enum libbpf_print_level: LIBBPF_WARN is 0, LIBBPF_INFO 1, LIBBPF_DEBUG 2.</summary>
    internal const int LibBpfWarn = 0;

    [LibraryImport(LibBpf, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
    internal static unsafe partial nint BpfObjectOpenMem(byte* buffer, nuint size, nint options);

    [LibraryImport(LibBpf, EntryPoint = "bpf_object__load")]
    internal static partial int BpfObjectLoad(nint bpfObject);

    [LibraryImport(LibBpf, EntryPoint = "bpf_object__close")]
    internal static partial void BpfObjectClose(nint bpfObject);

    [LibraryImport(LibBpf, EntryPoint = "bpf_object__find_program_by_name", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint BpfObjectFindProgram(nint bpfObject, string name);

    [LibraryImport(LibBpf, EntryPoint = "bpf_object__find_map_fd_by_name", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BpfObjectFindMapFd(nint bpfObject, string name);

    [LibraryImport(LibBpf, EntryPoint = "bpf_program__attach", SetLastError = true)]
    internal static partial nint BpfProgramAttach(nint program);

    [LibraryImport(LibBpf, EntryPoint = "bpf_link__destroy")]
    internal static partial int BpfLinkDestroy(nint link);

    [LibraryImport(LibBpf, EntryPoint = "ring_buffer__new", SetLastError = true)]
    internal static unsafe partial nint RingBufferNew(int mapFd, delegate* unmanaged[Cdecl]<nint, byte*, nuint, int> sample, nint context, nint options);

    /// <summary>Consumes every record available now without waiting: how many, or a negative errno.</summary>
    [LibraryImport(LibBpf, EntryPoint = "ring_buffer__consume")]
    internal static partial int RingBufferConsume(nint ringBuffer);

    [LibraryImport(LibBpf, EntryPoint = "ring_buffer__free")]
    internal static partial void RingBufferFree(nint ringBuffer);

    [LibraryImport(LibBpf, EntryPoint = "bpf_map_lookup_elem", SetLastError = true)]
    internal static unsafe partial int BpfMapLookupElem(int mapFd, void* key, void* value);

    [LibraryImport(LibBpf, EntryPoint = "libbpf_num_possible_cpus")]
    internal static partial int LibBpfNumPossibleCpus();

    /// <summary>Where libbpf writes its messages (verifier logs, relocation failures); returns the previous.</summary>
    [LibraryImport(LibBpf, EntryPoint = "libbpf_set_print")]
    internal static unsafe partial nint LibBpfSetPrint(delegate* unmanaged[Cdecl]<int, byte*, nint, int> print);

    /// <summary>Formats libbpf's message with its va_list (passed by pointer on x86-64 and arm64).</summary>
    [LibraryImport("libc", EntryPoint = "vsnprintf")]
    internal static unsafe partial int VsnPrintf(byte* buffer, nuint size, byte* format, nint arguments);
}
