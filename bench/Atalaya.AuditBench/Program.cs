using System.Diagnostics;
using System.Text;
using Atalaya.Platform.Linux.Audit;

// capture: become the audit daemon with the default rules, run one command, print the raw records.
if (args.Length >= 2 && args[0] == "capture")
{
    var rules = AuditRuleSet.Build(new AuditRuleOptions(), AuditSyscallTable.ForThisMachine(),
        p => Directory.Exists(p) ? WatchTarget.Directory : File.Exists(p) ? WatchTarget.File : WatchTarget.Missing).ToList();
    if (Environment.GetEnvironmentVariable("ATALAYA_CAPTURE_WATCH") is { Length: > 0 } watch)
    {
        rules.Add(AuditRuleSet.Watch(watch, WatchTarget.Directory, AuditRuleConstants.PermWrite | AuditRuleConstants.PermAttr, AuditKeys.Watch));
    }
    using var session = AuditSession.TryStart(new AuditSessionOptions { Rules = rules }, out var reason);
    if (session is null)
    {
        Console.Error.WriteLine(reason);
        return 2;
    }

    foreach (var (rule, errno) in session.Refused)
    {
        Console.Error.WriteLine($"refused ({errno}): {rule}");
    }

    var info = new ProcessStartInfo(args[1]);
    foreach (var a in args.Skip(2))
    {
        info.ArgumentList.Add(a);
    }

    using (var child = Process.Start(info)!)
    {
        child.WaitForExit();
    }

    var buffer = new byte[64 * 1024];
    var quiet = 0;
    while (quiet < 4)
    {
        if (!session.TryReceive(buffer, out var length, out _))
        {
            quiet++;
            continue;
        }

        if (NetlinkFrame.TryRead(buffer.AsSpan(0, length), out var type, out _, out _, out var payload))
        {
            Console.WriteLine($"type={AuditMessageType.Name(type)} {Encoding.Latin1.GetString(payload).TrimEnd('\0')}");
        }
    }

    return 0;
}

// rules: list the kernel's audit rules (what auditctl -l shows), decoded.
if (args.Length == 1 && args[0] == "rules")
{
    using var control = AuditNetlinkClient.TryOpen(out var errno) ?? throw new AuditException("audit socket", errno);
    foreach (var (rule, data) in control.ListRules())
    {
        Console.WriteLine($"{rule} ({data.Length} bytes, mask0={BitConverter.ToUInt32(data, 12):x8})");
    }

    return 0;
}

if (args.Length >= 1 && args[0] == "run")
{
    return Atalaya.AuditBench.Bench.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10);
}

// curve: connector (or sock_diag) alone vs with audit joined as in LinuxPlatform, at 100/400/1600 execs/s and 1000 connects/s.
if (args.Length >= 1 && args[0] == "curve")
{
    return Atalaya.AuditBench.CurveBench.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10,
        args.Length > 2 ? args[2] : null);
}

Console.Error.WriteLine("usage: capture CMD [ARGS...] | rules | run [SECONDS] | curve [SECONDS [exec100|exec400|exec1600|connect1000|latency]]");
return 2;
