using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux;

/// <summary>
/// libyara 4.x (Debian <c>libyara9</c>), bound by its SONAME so the unversioned dev symlink is not
/// needed. Layouts below are from yara/types.h of 4.2.3; every <c>DECLARE_REFERENCE</c> is a union
/// of a pointer and an 8-byte arena reference aligned to 8, so each reference field is 8 bytes.
/// </summary>
internal static partial class Interop
{
    internal const string LibYara = "libyara.so.9";

    internal const int YaraErrorSuccess = 0;
    internal const int YaraErrorCouldNotOpenFile = 3;
    internal const int YaraErrorCouldNotMapFile = 4;
    internal const int YaraErrorScanTimeout = 26;
    internal const int YaraCallbackMsgRuleMatching = 1;
    internal const int YaraCallbackMsgRuleNotMatching = 2;
    internal const int YaraCallbackContinue = 0;

    /// <summary>YARA_ERROR_LEVEL_ERROR in compiler.h (1 is a warning).</summary>
    internal const int YaraErrorLevelError = 0;

    /// <summary>YR_RULE: int32 flags, int32 num_atoms, then identifier, tags, metas, strings, ns.</summary>
    internal const int YaraRuleIdentifierOffset = 8;
    internal const int YaraRuleTagsOffset = 16;
    internal const int YaraRuleMetasOffset = 24;
    internal const int YaraRuleNamespaceOffset = 40;

    /// <summary>YR_META: identifier, string (8 each), int64 integer, int32 type, int32 flags = 32 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct YaraMeta
    {
        public nint Identifier;
        public nint String;
        public long Integer;
        public int Type;
        public int Flags;
    }

    internal const int YaraMetaTypeInteger = 1;
    internal const int YaraMetaTypeString = 2;
    internal const int YaraMetaTypeBoolean = 3;
    internal const int YaraMetaFlagsLastInRule = 1;

    [LibraryImport(LibYara, EntryPoint = "yr_initialize")]
    internal static partial int YrInitialize();

    [LibraryImport(LibYara, EntryPoint = "yr_compiler_create")]
    internal static partial int YrCompilerCreate(out nint compiler);

    [LibraryImport(LibYara, EntryPoint = "yr_compiler_destroy")]
    internal static partial void YrCompilerDestroy(nint compiler);

    [LibraryImport(LibYara, EntryPoint = "yr_compiler_set_callback")]
    internal static unsafe partial void YrCompilerSetCallback(
        nint compiler, delegate* unmanaged[Cdecl]<int, byte*, int, nint, byte*, nint, void> callback, nint userData);

    /// <summary>Returns the number of errors; after an error the compiler must not be used again.</summary>
    [LibraryImport(LibYara, EntryPoint = "yr_compiler_add_string", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int YrCompilerAddString(nint compiler, string rules, string? ns);

    [LibraryImport(LibYara, EntryPoint = "yr_compiler_get_rules")]
    internal static partial int YrCompilerGetRules(nint compiler, out nint rules);

    [LibraryImport(LibYara, EntryPoint = "yr_rules_destroy")]
    internal static partial int YrRulesDestroy(nint rules);

    /// <summary>
    /// Thread-safe on one YR_RULES in 4.x: each call creates its own YR_SCANNER (scan context), at most
    /// YR_MAX_THREADS (32) at once.
    /// </summary>
    [LibraryImport(LibYara, EntryPoint = "yr_rules_scan_mem")]
    internal static unsafe partial int YrRulesScanMem(
        nint rules, byte* buffer, nuint length, int flags, delegate* unmanaged[Cdecl]<nint, int, nint, nint, int> callback, nint userData, int timeoutSeconds);

    /// <summary>
    /// Scans an open descriptor (mmap of the whole file). yr_rules_scan_file is not used: it opens with a
    /// plain O_RDONLY, which blocks forever on a FIFO and leaks the descriptor into children started meanwhile.
    /// </summary>
    [LibraryImport(LibYara, EntryPoint = "yr_rules_scan_fd")]
    internal static unsafe partial int YrRulesScanFd(
        nint rules, int fd, int flags, delegate* unmanaged[Cdecl]<nint, int, nint, nint, int> callback, nint userData, int timeoutSeconds);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static unsafe int YaraScanCallback(nint context, int message, nint messageData, nint userData)
    {
        if (message == YaraCallbackMsgRuleMatching && messageData != 0 && userData != 0
            && GCHandle.FromIntPtr(userData).Target is List<nint> matches)
        {
            matches.Add(messageData);
        }

        return YaraCallbackContinue;
    }

    /// <summary>Counts rules: every public rule is reported once as matching or not matching.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static unsafe int YaraCountCallback(nint context, int message, nint messageData, nint userData)
    {
        if (message is YaraCallbackMsgRuleMatching or YaraCallbackMsgRuleNotMatching)
        {
            (*(int*)userData)++;
        }

        return YaraCallbackContinue;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static unsafe void YaraCompilerCallback(int errorLevel, byte* fileName, int line, nint rule, byte* message, nint userData)
    {
        if (userData != 0 && GCHandle.FromIntPtr(userData).Target is List<(bool Error, int Line, string Message)> messages)
        {
            messages.Add((errorLevel == YaraErrorLevelError, line, Marshal.PtrToStringUTF8((nint)message) ?? "(no message)"));
        }
    }
}
