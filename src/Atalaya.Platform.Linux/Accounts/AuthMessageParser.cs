using System.Globalization;

namespace Atalaya.Platform.Linux.Accounts;

/// <summary>
/// The auth.log messages of sshd, sudo, su, useradd/userdel/usermod/groupadd and passwd that say who
/// logged in, failed, or changed an account. Message texts are OpenSSH 9 / sudo 1.9 / shadow 4.13
/// (Debian 12); an unknown message is not an error, just not an auth record.
/// </summary>
public static class AuthMessageParser
{
    public static bool TryParse(string program, string message, out AuthRecord value)
    {
        value = null!;
        var text = message.AsSpan().Trim();
        return program switch
        {
            "sshd" => TrySshd(text, out value),
            "sudo" => TrySudo(text, out value),
            "su" => TrySu(text, out value),
            "useradd" or "userdel" or "usermod" or "groupadd" or "gpasswd" => TryShadowUtils(text, out value),
            "passwd" or "chpasswd" => TryPasswd(text, out value),
            _ => false,
        };
    }

    private static bool TrySshd(ReadOnlySpan<char> text, out AuthRecord value)
    {
        value = null!;
        AuthRecordKind kind;
        if (text.StartsWith("Accepted "))
        {
            kind = AuthRecordKind.SshAccepted;
            text = text["Accepted ".Length..];
        }
        else if (text.StartsWith("Failed "))
        {
            kind = AuthRecordKind.SshFailed;
            text = text["Failed ".Length..];
        }
        else if (text.StartsWith("Invalid user "))
        {
            // "Invalid user admin from 203.0.113.9 port 40022"
            var rest = text["Invalid user ".Length..];
            var from = rest.LastIndexOf(" from ");
            if (from < 0 || !TryAddress(rest[(from + " from ".Length)..], out var ip, out var port))
            {
                return false;
            }

            value = new AuthRecord { Kind = AuthRecordKind.SshInvalidUser, User = rest[..from].ToString(), SourceIp = ip, SourcePort = port };
            return true;
        }
        else
        {
            return false;
        }

        // "<method> for [invalid user ]<user> from <ip> port <port> ssh2[: KEY]"
        var forAt = text.IndexOf(" for ");
        var fromAt = text.LastIndexOf(" from ");
        if (forAt <= 0 || fromAt <= forAt)
        {
            return false;
        }

        var method = text[..forAt];
        var user = text[(forAt + " for ".Length)..fromAt];
        if (user.StartsWith("invalid user "))
        {
            user = user["invalid user ".Length..];
        }

        if (!TryAddress(text[(fromAt + " from ".Length)..], out var address, out var sourcePort))
        {
            return false;
        }

        value = new AuthRecord { Kind = kind, Method = method.ToString(), User = user.ToString(), SourceIp = address, SourcePort = sourcePort };
        return true;
    }

    /// <summary>"ip port N[ ssh2...]".</summary>
    private static bool TryAddress(ReadOnlySpan<char> text, out string ip, out int? port)
    {
        ip = string.Empty;
        port = null;
        var space = text.IndexOf(' ');
        var address = space < 0 ? text : text[..space];
        if (!System.Net.IPAddress.TryParse(address, out _))
        {
            return false;
        }

        ip = address.ToString();
        if (space >= 0 && text[(space + 1)..].StartsWith("port "))
        {
            var digits = text[(space + 1 + "port ".Length)..];
            var end = digits.IndexOf(' ');
            if (int.TryParse(end < 0 ? digits : digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                port = p;
            }
        }

        return true;
    }

    /// <summary>"ana : TTY=pts/0 ; PWD=/home/ana ; USER=root ; COMMAND=/usr/bin/id" and its failure forms.</summary>
    private static bool TrySudo(ReadOnlySpan<char> text, out AuthRecord value)
    {
        value = null!;
        var colon = text.IndexOf(" : ");
        if (colon <= 0)
        {
            return false;
        }

        var user = text[..colon].Trim().ToString();
        var rest = text[(colon + 3)..];
        string? target = null;
        string? command = null;
        var failed = false;
        while (!rest.IsEmpty)
        {
            var separator = rest.IndexOf(" ; ");
            var part = (separator < 0 ? rest : rest[..separator]).Trim();
            rest = separator < 0 ? default : rest[(separator + 3)..];
            if (part.StartsWith("USER="))
            {
                target = part["USER=".Length..].ToString();
            }
            else if (part.StartsWith("COMMAND="))
            {
                // COMMAND= is last and may itself contain " ; ".
                command = (separator < 0 ? part["COMMAND=".Length..] : string.Concat(part["COMMAND=".Length..], " ; ", rest)).ToString();
                break;
            }
            else if (part.Contains("incorrect password", StringComparison.Ordinal) || part.Contains("NOT in sudoers", StringComparison.Ordinal)
                     || part.Contains("NOT allowed", StringComparison.Ordinal) || part.Contains("authentication failure", StringComparison.Ordinal))
            {
                failed = true;
            }
        }

        if (command is null && target is null)
        {
            return false;
        }

        value = new AuthRecord { Kind = failed ? AuthRecordKind.SudoFailed : AuthRecordKind.SudoCommand, User = user, TargetUser = target, Command = command };
        return true;
    }

    /// <summary>"(to root) ana on pts/0" and "FAILED SU (to root) ana on pts/0".</summary>
    private static bool TrySu(ReadOnlySpan<char> text, out AuthRecord value)
    {
        value = null!;
        var failed = text.StartsWith("FAILED SU ");
        if (failed)
        {
            text = text["FAILED SU ".Length..];
        }

        if (!text.StartsWith("(to "))
        {
            return false;
        }

        var close = text.IndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var target = text[4..close];
        var rest = text[(close + 1)..].Trim();
        var on = rest.IndexOf(" on ");
        var user = on < 0 ? rest : rest[..on];
        value = new AuthRecord { Kind = failed ? AuthRecordKind.SuFailed : AuthRecordKind.SuSession, User = user.ToString(), TargetUser = target.ToString() };
        return true;
    }

    private static bool TryShadowUtils(ReadOnlySpan<char> text, out AuthRecord value)
    {
        value = null!;
        if (text.StartsWith("new user: "))
        {
            var fields = text["new user: ".Length..];
            value = new AuthRecord { Kind = AuthRecordKind.UserAdded, User = KeyValue(fields, "name"), Shell = KeyValue(fields, "shell") };
            return value.User is not null;
        }

        if (text.StartsWith("new group: "))
        {
            value = new AuthRecord { Kind = AuthRecordKind.GroupAdded, Group = KeyValue(text["new group: ".Length..], "name") };
            return value.Group is not null;
        }

        if (text.StartsWith("delete user '"))
        {
            var name = text["delete user '".Length..];
            var quote = name.IndexOf('\'');
            value = new AuthRecord { Kind = AuthRecordKind.UserDeleted, User = (quote < 0 ? name : name[..quote]).ToString() };
            return true;
        }

        // usermod: "add 'bob' to group 'sudo'"; gpasswd: "user bob added by root to group sudo"
        if (text.StartsWith("add '"))
        {
            var rest = text["add '".Length..];
            var quote = rest.IndexOf('\'');
            var toGroup = rest.IndexOf(" to group '");
            if (quote > 0 && toGroup > quote)
            {
                var group = rest[(toGroup + " to group '".Length)..].TrimEnd('\'');
                value = new AuthRecord { Kind = AuthRecordKind.GroupMemberAdded, User = rest[..quote].ToString(), Group = group.ToString() };
                return true;
            }
        }

        return false;
    }

    /// <summary>"pam_unix(passwd:chauthtok): password changed for bob".</summary>
    private static bool TryPasswd(ReadOnlySpan<char> text, out AuthRecord value)
    {
        value = null!;
        var at = text.IndexOf("password changed for ");
        if (at < 0)
        {
            return false;
        }

        value = new AuthRecord { Kind = AuthRecordKind.PasswordChanged, User = text[(at + "password changed for ".Length)..].Trim().ToString() };
        return true;
    }

    /// <summary>The value of <c>key=value</c> in a comma-separated list (useradd's format).</summary>
    private static string? KeyValue(ReadOnlySpan<char> fields, string key)
    {
        while (!fields.IsEmpty)
        {
            var comma = fields.IndexOf(',');
            var part = (comma < 0 ? fields : fields[..comma]).Trim();
            fields = comma < 0 ? default : fields[(comma + 1)..];
            if (part.StartsWith(key) && part.Length > key.Length && part[key.Length] == '=')
            {
                return part[(key.Length + 1)..].ToString();
            }
        }

        return null;
    }
}
