namespace Atalaya.Core.Tests.Sigma;

/// <summary>
/// A fact that needs the SigmaHQ corpus beside the repository (<c>&lt;repo&gt;/../shared/sigma</c>):
/// skipped, with the reason shown, when it is absent (xunit 2 decides skips at discovery).
/// </summary>
public sealed class SigmaCorpusFactAttribute : FactAttribute
{
    public SigmaCorpusFactAttribute()
    {
        if (SigmaCorpus.SigmaHqLinux() is null)
        {
            Skip = "the SigmaHQ corpus (<repo>/../shared/sigma/rules/linux) is not on this machine";
        }
    }
}
