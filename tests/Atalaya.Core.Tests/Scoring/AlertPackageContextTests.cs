using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;
using Atalaya.Core.Scoring;

namespace Atalaya.Core.Tests.Scoring;

public sealed class AlertPackageContextTests
{
    private static EcsEvent Alert(EcsEvent subject)
    {
        var signal = RiskScoreTests.S("a", 60, 0.9) with { Subject = subject };
        return AlertBuilder.Build("e1", RiskScore.Compute([signal]), SampleEvents.Now);
    }

    private static EcsEvent WithPackage(string executable, string? package, bool? packaged) =>
        SampleEvents.Process(executable) with
        {
            Atalaya = new AtalayaFields { Process = new AtalayaProcessFields { Package = package, Packaged = packaged } },
        };

    [Fact]
    public void A_packaged_subject_is_said_to_come_from_its_package_as_weightless_context()
    {
        var alert = Alert(WithPackage("/usr/sbin/sshd", "openssh-server", true));

        var context = Assert.Single(alert.Atalaya!.Evidence!, e => e.Signal == "atalaya.context.package");
        Assert.Equal("/usr/sbin/sshd is from package openssh-server", context.Detail);
        Assert.Equal(0, context.Weight);
        Assert.Null(context.Domain);
        Assert.Equal(54, alert.Event.RiskScore);
    }

    [Fact]
    public void A_checked_unpackaged_subject_is_said_to_come_from_no_package()
    {
        var alert = Alert(WithPackage("/tmp/.x/kworker", null, false));

        var context = Assert.Single(alert.Atalaya!.Evidence!, e => e.Signal == "atalaya.context.package");
        Assert.Equal("/tmp/.x/kworker is not from any package", context.Detail);
    }

    [Fact]
    public void Nothing_is_said_when_ownership_was_not_checked()
    {
        var alert = Alert(WithPackage("/usr/sbin/sshd", null, null));

        Assert.DoesNotContain(alert.Atalaya!.Evidence!, e => e.Signal == "atalaya.context.package");
        Assert.Equal(["a"], alert.Atalaya.Evidence!.Select(e => e.Signal));
    }
}
