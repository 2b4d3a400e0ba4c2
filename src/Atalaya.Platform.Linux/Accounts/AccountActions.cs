namespace Atalaya.Platform.Linux.Accounts;

/// <summary>The <c>event.action</c> values of the account and auth-log collectors (the Core analytics match on them).</summary>
public static class AccountActions
{
    public const string Present = "account-present";
    public const string UserAdded = "user-added";
    public const string UserRemoved = "user-removed";
    public const string UidChanged = "user-uid-changed";
    public const string ShellChanged = "user-shell-changed";
    public const string GroupMemberAdded = "group-member-added";
    public const string GroupMemberRemoved = "group-member-removed";
    public const string PasswordChanged = "password-changed";
    public const string LoginRecordsRemoved = "login-records-removed";
    public const string LoginRecordsZeroed = "login-records-zeroed";
    public const string HistoryCleared = "history-cleared";
    public const string HistoryLinkedToNull = "history-linked-to-null";
    public const string Login = "user-login";
    public const string LoginFailed = "user-login-failed";
    public const string SshAccepted = "ssh-login";
    public const string SshFailed = "ssh-login-failed";
    public const string SshInvalidUser = "ssh-invalid-user";
    public const string Sudo = "sudo-command";
    public const string SudoFailed = "sudo-failed";
    public const string Su = "su-session";
    public const string SuFailed = "su-failed";
    public const string UserAddedLogged = "useradd";
    public const string UserDeletedLogged = "userdel";
    public const string GroupAddedLogged = "groupadd";
    public const string GroupMemberAddedLogged = "usermod-group-add";
    public const string PasswordChangedLogged = "passwd";
}
