using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Atalaya.Cli.Hosting;
using Atalaya.Core.Allowlist;
using Atalaya.Core.Intel;
using Atalaya.Storage;

namespace Atalaya.Cli.Commands;

/// <summary>
/// <c>atalaya allow add|list|remove</c>: trust one program (optionally pinned to its hash, one
/// rule, one destination) until a date. Trusted signals are counted but raise no alert; an entry
/// that expires re-arms the detections by itself.
/// </summary>
internal static class AllowCommand
{
    public static Command Create() => new("allow", "Trust a program until a date: its signals stop raising alerts, then re-arm")
    {
        CreateAdd(), CreateList(), CreateRemove(),
    };

    private static Command CreateAdd()
    {
        var executable = new Option<string>("--executable") { Description = "Absolute path of the program to trust", Required = true };
        var sha256 = new Option<string?>("--sha256") { Description = "Only while the program has this SHA-256 (a replaced binary is not trusted)" };
        var rule = new Option<string?>("--rule") { Description = "Only signals from this rule or analytic id (rule.id)" };
        var destination = new Option<string?>("--destination") { Description = "Only connections to IP, IP:PORT or [IPv6]:PORT" };
        var forDuration = new Option<string?>("--for") { Description = "How long: 30m, 12h, 7d" };
        var until = new Option<string?>("--until") { Description = "Until this instant (ISO 8601, e.g. 2026-12-31T00:00:00Z)" };
        var why = new Option<string>("--why") { Description = "The reason, kept with the entry", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the stored entry as JSON" };
        var command = new Command("add", "Add an allowlist entry") { executable, sha256, rule, destination, forDuration, until, why, json };
        command.SetAction(parse =>
        {
            var now = DateTimeOffset.UtcNow;
            var entry = new AllowEntry
            {
                Executable = CheckExecutable(parse.GetValue(executable)!),
                Sha256 = parse.GetValue(sha256) is { } hash ? CheckHash(hash) : null,
                RuleId = parse.GetValue(rule) is { Length: > 0 } id ? id : null,
                Until = ResolveUntil(parse.GetValue(forDuration), parse.GetValue(until), now),
                Who = Who(),
                Why = parse.GetValue(why) is { Length: > 0 } reason ? reason : throw new CliException("--why needs a reason"),
                Created = now,
            };
            if (parse.GetValue(destination) is { } text)
            {
                var (ip, port) = ParseDestination(text);
                entry = entry with { DestinationIp = ip, DestinationPort = port };
            }

            var config = GlobalOptions.LoadConfig(parse);
            using var store = StoreAccess.OpenForWriting(GlobalOptions.ResolveDataDir(parse, config));
            entry = store.AddAllowEntry(entry);
            if (parse.GetValue(json))
            {
                WriteJson(Console.Out, entry, now);
            }
            else
            {
                Console.Out.WriteLine($"allowlist entry {entry.Id}: {Describe(entry)} until {entry.Until:u}");
                if (entry.IsExpired(now))
                {
                    Console.Out.WriteLine("note: that date has passed, so the entry is already expired and trusts nothing");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateList()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per line (NDJSON)" };
        var command = new Command("list", "Show allowlist entries, expired ones marked") { json };
        command.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            var dataDir = GlobalOptions.ResolveDataDir(parse, config);
            var entries = File.Exists(Path.Combine(dataDir, SqliteEventStore.FileName))
                ? OpenAndList(dataDir)
                : [];
            var now = DateTimeOffset.UtcNow;
            foreach (var entry in entries)
            {
                if (parse.GetValue(json))
                {
                    WriteJson(Console.Out, entry, now);
                }
                else
                {
                    Console.Out.WriteLine($"{entry.Id,4}  {(entry.IsExpired(now) ? "expired" : "active "),-7}  until {entry.Until:u}  {Describe(entry)}  by {entry.Who}: {entry.Why}");
                }
            }

            if (entries.Count == 0 && !parse.GetValue(json))
            {
                Console.Out.WriteLine("The allowlist is empty.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRemove()
    {
        var id = new Argument<long>("ID") { Description = "The entry id shown by `atalaya allow list`" };
        var command = new Command("remove", "Delete an allowlist entry") { id };
        command.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            using var store = StoreAccess.OpenForWriting(GlobalOptions.ResolveDataDir(parse, config));
            var entryId = parse.GetValue(id);
            if (!store.RemoveAllowEntry(entryId))
            {
                throw new CliException($"no allowlist entry {entryId.ToString(CultureInfo.InvariantCulture)} (see atalaya allow list)");
            }

            Console.Out.WriteLine($"allowlist entry {entryId.ToString(CultureInfo.InvariantCulture)} removed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static IReadOnlyList<AllowEntry> OpenAndList(string dataDir)
    {
        using var store = StoreAccess.OpenForWriting(dataDir);
        return store.ListAllowEntries();
    }

    private static string CheckExecutable(string path) =>
        path.Length > 1 && path[0] == '/' && !path.Contains('\0', StringComparison.Ordinal)
            ? path
            : throw new CliException($"--executable '{path}' must be an absolute path");

    private static string CheckHash(string text) =>
        IndicatorParser.TryParseValue(text, out var indicator) && indicator.Kind == IndicatorKind.Sha256 && text.Trim().Length == 64
            ? indicator.Value
            : throw new CliException($"--sha256 '{text}' is not a SHA-256 (64 hex digits)");

    private static DateTimeOffset ResolveUntil(string? forText, string? untilText, DateTimeOffset now)
    {
        if ((forText is null) == (untilText is null))
        {
            throw new CliException("give exactly one of --for (7d) or --until (an ISO 8601 instant)");
        }

        if (forText is not null)
        {
            return DurationParser.TryParseDuration(forText, out var duration) && duration > TimeSpan.Zero
                ? now + duration
                : throw new CliException($"--for '{forText}' is not a duration (30m, 12h, 7d)");
        }

        return DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until)
            ? until.ToUniversalTime()
            : throw new CliException($"--until '{untilText}' is not an instant (2026-12-31T00:00:00Z)");
    }

    /// <summary>IP, IP:PORT, [IPv6]:PORT or a bare IPv6 address; the address is stored canonical.</summary>
    private static (string Ip, int? Port) ParseDestination(string text)
    {
        string host = text;
        int? port = null;
        var close = text.IndexOf(']', StringComparison.Ordinal);
        var colon = text.LastIndexOf(':');
        if (text.StartsWith('[') && close > 0)
        {
            host = text[1..close];
            port = close + 1 < text.Length ? ParsePort(text[(close + 1)..].TrimStart(':'), text) : null;
        }
        else if (colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            host = text[..colon];
            port = ParsePort(text[(colon + 1)..], text);
        }

        return IndicatorParser.TryParseAddress(host, out var address)
            ? (address.ToString(), port)
            : throw new CliException($"--destination '{text}' is not IP, IP:PORT or [IPv6]:PORT");
    }

    private static int ParsePort(string text, string whole) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new CliException($"--destination '{whole}': the port must be 1-65535");

    /// <summary>The person behind sudo, not root: the audit trail should name who decided.</summary>
    private static string Who() =>
        Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo
        : Environment.GetEnvironmentVariable("USER") is { Length: > 0 } user ? user
        : Environment.UserName;

    private static string Describe(AllowEntry entry)
    {
        var parts = new List<string> { entry.Executable };
        if (entry.Sha256 is { } hash)
        {
            parts.Add("sha256 " + hash[..12] + "…");
        }

        if (entry.RuleId is { } rule)
        {
            parts.Add("rule " + rule);
        }

        if (entry.DestinationIp is { } ip || entry.DestinationPort is not null)
        {
            var address = entry.DestinationIp is { } a && IPAddress.TryParse(a, out var parsed) && parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]" : entry.DestinationIp;
            parts.Add("to " + address + (entry.DestinationPort is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : ""));
        }

        return string.Join(", ", parts);
    }

    private static void WriteJson(TextWriter output, AllowEntry entry, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", entry.Id);
            writer.WriteString("executable", entry.Executable);
            WriteOptional(writer, "sha256", entry.Sha256);
            WriteOptional(writer, "rule_id", entry.RuleId);
            WriteOptional(writer, "destination_ip", entry.DestinationIp);
            if (entry.DestinationPort is { } port)
            {
                writer.WriteNumber("destination_port", port);
            }

            writer.WriteString("until", entry.Until.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("who", entry.Who);
            writer.WriteString("why", entry.Why);
            writer.WriteString("created", entry.Created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteBoolean("expired", entry.IsExpired(now));
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
