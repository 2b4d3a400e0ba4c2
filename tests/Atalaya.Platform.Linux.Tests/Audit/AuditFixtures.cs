using System.Text;
using Atalaya.Platform.Linux.Audit;

namespace Atalaya.Platform.Linux.Tests.Audit;

/// <summary>
/// Records captured from this machine's kernel (6.18, x86_64) by <c>Atalaya.AuditBench capture</c>,
/// one per line as <c>type=NAME audit(...): fields</c>. Read as Latin-1, as the collector reads netlink.
/// </summary>
internal static class AuditFixtures
{
    private static readonly Dictionary<string, int> Types = new(StringComparer.Ordinal)
    {
        ["SYSCALL"] = AuditMessageType.Syscall, ["PATH"] = AuditMessageType.Path, ["SOCKADDR"] = AuditMessageType.Sockaddr,
        ["CWD"] = AuditMessageType.Cwd, ["EXECVE"] = AuditMessageType.Execve, ["EOE"] = AuditMessageType.Eoe,
        ["PROCTITLE"] = AuditMessageType.Proctitle, ["BPRM_FCAPS"] = 1321, ["CONFIG_CHANGE"] = AuditMessageType.ConfigChange,
    };

    public static List<AuditRecord> Records(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Audit", "Fixtures", name);
        var records = new List<AuditRecord>();
        foreach (var line in File.ReadAllLines(path, Encoding.Latin1))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var type = Types[line[5..space]];
            Assert.True(AuditRecordParser.TryParse(type, line.AsSpan(space + 1), out var record), line[..Math.Min(80, line.Length)]);
            records.Add(record);
        }

        return records;
    }

    /// <summary>The fixture assembled as the collector would (EOE closes each event).</summary>
    public static List<AuditEvent> Events(string name)
    {
        var assembler = new AuditEventAssembler(TimeSpan.FromSeconds(1));
        var events = new List<AuditEvent>();
        foreach (var record in Records(name))
        {
            assembler.Add(record, 0, events);
        }

        assembler.FlushAll(events);
        return events;
    }
}
