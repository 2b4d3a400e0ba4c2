namespace Atalaya.Platform.Linux.Tests.Processes;

/// <summary>
/// Every live test of the process sensor again, with fork, exec and exit from the kernel program and
/// the connector carrying only credential, session, ptrace and name changes. Where the program cannot
/// run here (not root, no BTF, a build without clang) the tests run the connector path again rather
/// than skip, so the mode they ran in is asserted only where the program is expected to load.
/// </summary>
public sealed class KernelProgramProcessCollectorTests : NetlinkProcessCollectorTests
{
    protected override bool KernelProgram => BpfProcessProgramTests.SkipReason() is null;
}
