using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Account changes that give an attacker a way back in: a new local account (T1136.001), a second
/// uid 0, a service account given a login shell, a user added to an administrators' group, or an
/// account left with an empty password (T1098). Administrators do all of this too, so a plain new
/// account is low; uid 0 and admin-group membership are what make it serious.
/// </summary>
public sealed class AccountChangeAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.account-change";

    /// <summary>Groups whose members can become root (Debian sudo, Red Hat wheel, Ubuntu admin, ...).</summary>
    private static readonly HashSet<string> AdminGroups = new(StringComparer.Ordinal) { "sudo", "wheel", "admin", "root", "adm" };

    private static readonly HashSet<string> NoLoginShells = new(StringComparer.Ordinal)
    {
        "/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync", "",
    };

    public string Id => AnalyticId;

    public string Name => "Account created or given more power";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.Iam];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.User?.Name is not { Length: > 0 } name || value.Event.Dataset != Datasets.Account)
        {
            return;
        }

        var account = value.Atalaya?.Account;
        var uid = value.User.Id;
        switch (value.Event.Action)
        {
            case "user-added":
                Emit(signals, value, name, "new-account", 40, 0.9, ["T1136.001"],
                    $"a new local account {name} (uid {uid}, shell {account?.Shell}) was created");
                if (uid == "0")
                {
                    Emit(signals, value, name, "uid-zero", 85, 0.95, ["T1098", "T1078.003"],
                        $"the new account {name} has uid 0: it is a second root");
                }

                if (account?.PasswordState == "empty")
                {
                    Emit(signals, value, name, "empty-password", 60, 0.9, ["T1098"], $"{name} can log in without a password (empty password field in /etc/shadow)");
                }

                break;
            case "user-uid-changed" when uid == "0" && name != "root":
                Emit(signals, value, name, "uid-zero", 85, 0.95, ["T1098", "T1078.003"], $"the account {name} was changed to uid 0: it is now a second root");
                break;
            case "user-shell-changed" when account is not null && NoLoginShells.Contains(account.PreviousShell ?? "") && !NoLoginShells.Contains(account.Shell ?? ""):
                Emit(signals, value, name, "login-shell", 55, 0.85, ["T1098"],
                    $"the account {name} could not log in (shell {account.PreviousShell}) and now has the login shell {account.Shell}");
                break;
            case "group-member-added" when account?.Group is { } group && AdminGroups.Contains(group):
                Emit(signals, value, name, "admin-group", 60, 0.9, ["T1098"], $"{name} was added to the group {group}, whose members can act as root");
                break;
            case "password-changed" when account?.PasswordState == "empty":
                Emit(signals, value, name, "empty-password", 60, 0.9, ["T1098"], $"the password of {name} was removed: it can log in without one");
                break;
        }
    }

    private void Emit(ISignalSink signals, EcsEvent value, string name, string aspect, int weight, double confidence, IReadOnlyList<string> techniques,
        string detail) =>
        signals.Emit(ProcessSignals.Make(this, value, EntityKeys.ForAccount(name), aspect, weight, confidence, techniques, detail, SignalDomain.Account));
}
