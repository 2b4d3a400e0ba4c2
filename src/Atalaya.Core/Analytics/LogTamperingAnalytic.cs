using Atalaya.Core.Schema;

namespace Atalaya.Core.Analytics;

/// <summary>
/// Traces of someone hiding: login records removed or zeroed in wtmp/btmp, the auth log truncated in
/// place (T1070.002), a shell history emptied or linked to /dev/null (T1070.003). Rotation renames
/// files and is not reported by the collectors, so what reaches this analytic is an in-place edit.
/// </summary>
public sealed class LogTamperingAnalytic : IAnalytic
{
    public const string AnalyticId = "atalaya.analytic.log-tampering";

    public string Id => AnalyticId;

    public string Name => "Logs or history erased";

    public IReadOnlyCollection<string> Categories { get; } = [EventCategories.File];

    public void Observe(EcsEvent value, ISignalSink signals)
    {
        if (value.File?.Path is not { Length: > 0 } path)
        {
            return;
        }

        var account = value.Atalaya?.Account;
        var (aspect, weight, technique, detail) = value.Event.Action switch
        {
            "login-records-removed" => ("login-records-removed", 70, "T1070.002",
                $"{path} lost login records in place ({account?.PreviousRecords} records before, {account?.Records} now)"),
            "login-records-zeroed" => ("login-records-zeroed", 75, "T1070.002",
                $"login records in {path} were overwritten with zeros ({account?.PreviousRecords} zeroed before, {account?.Records} now)"),
            "auth-log-truncated" => ("auth-log-truncated", 70, "T1070.002",
                $"{path} was cut short in place (from {account?.PreviousRecords} bytes to {account?.Records}), which log rotation never does"),
            "history-cleared" => ("history-cleared", 45, "T1070.003",
                $"the shell history {path} of {value.User?.Name} was emptied (from {account?.PreviousRecords} bytes to {account?.Records})"),
            "history-linked-to-null" => ("history-linked-to-null", 55, "T1070.003",
                $"the shell history {path} of {value.User?.Name} is a link to /dev/null, so nothing typed there is kept"),
            _ => (null, 0, null, null),
        };

        if (aspect is null)
        {
            return;
        }

        signals.Emit(new Signal
        {
            SourceId = $"{Id}.{aspect}",
            SourceName = Name,
            EntityKey = "file:" + path,
            Weight = weight,
            Confidence = 0.9,
            Domain = SignalDomain.File,
            Detail = detail!,
            Techniques = [technique!],
            Timestamp = value.Timestamp,
            Subject = value,
        });
    }
}
