using Atalaya.Core.Analytics;
using Atalaya.Core.Scoring;
using Atalaya.Core.Yara;

namespace Atalaya.Core.Tests.Scoring;

public sealed class SpanishSummaryTests
{
    [Theory]
    [InlineData(20, false, "Benigno (20/100)")]
    [InlineData(35, false, "Riesgo bajo (35/100)")]
    [InlineData(60, false, "Sospechoso (60/100)")]
    [InlineData(85, false, "Probablemente malicioso (85/100)")]
    [InlineData(40, true, "Malicioso confirmado (40/100)")]
    public void Every_verdict_band_has_its_spanish_word_and_the_same_score(int weight, bool indicator, string start)
    {
        var signal = RiskScoreTests.S(DeletedExecutableAnalytic.AnalyticId + ".user-writable", weight, 1, indicator: indicator);
        var alert = AlertBuilder.Build("e1", RiskScore.Compute([signal]), SampleEvents.Now);

        Assert.Equal(
            start + ": un programa se ejecuta desde un archivo borrado del disco, en el proceso x (pid 4242, /tmp/x).",
            alert.Atalaya!.SummaryEs);
        // Same facts as the English sentence: same verdict band and score.
        Assert.Contains(start[start.IndexOf('(', StringComparison.Ordinal)..] + ":", alert.Atalaya.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Strongest_signal_names_what_and_the_others_are_counted()
    {
        var score = RiskScore.Compute(
        [
            RiskScoreTests.S("atalaya.analytic.reverse-shell", 90, 0.9, SignalDomain.Network),
            RiskScoreTests.S("atalaya.analytic.rarity", 35, 0.5),
            RiskScoreTests.S("atalaya.analytic.first-seen.parent-child", 30, 0.5),
        ]);
        var alert = AlertBuilder.Build("e1", score, SampleEvents.Now);

        Assert.Equal(
            $"{SpanishSummary.VerdictWord(score.Verdict)} ({score.Score}/100): una shell con su entrada y salida en una conexión de red (shell inversa), en el proceso x (pid 4242, /tmp/x) (y 2 señales más).",
            alert.Atalaya!.SummaryEs);
        Assert.EndsWith("(and 2 more signals).", alert.Atalaya.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("atalaya.analytic.brute-force", "intentos de adivinar contraseñas (fuerza bruta)")]
    [InlineData("atalaya.analytic.threat-intel", "coincide con un indicador de inteligencia de amenazas")]
    [InlineData("atalaya.analytic.masquerade.wrong-path", "un programa con nombre de programa del sistema se ejecuta desde una ruta inesperada")]
    [InlineData("atalaya.analytic.first-seen.executable", "algo que no está en la línea base de este equipo")]
    [InlineData("atalaya.analytic.yara.miners.yar.xmrig_miner", "la regla YARA «miners.yar.xmrig_miner» coincide con el ejecutable")]
    public void Analytics_are_named_in_spanish(string sourceId, string what)
    {
        Assert.Equal(what, SpanishSummary.What(RiskScoreTests.S(sourceId, 50, 1)));
    }

    [Fact]
    public void A_sigma_rule_keeps_its_title_quoted()
    {
        var signal = RiskScoreTests.S("0f1e2d3c-sigma-rule-id", 60, 1) with { SourceName = "Decode Base64 Encoded Text Piped To Shell" };
        Assert.Equal("se activó la regla «Decode Base64 Encoded Text Piped To Shell»", SpanishSummary.What(signal));
    }

    [Fact]
    public void Every_built_in_analytic_id_has_a_spanish_name()
    {
        var ids = typeof(IAnalytic).Assembly.GetTypes()
            .Where(t => typeof(IAnalytic).IsAssignableFrom(t) && t != typeof(YaraAnalytic))
            .Select(t => t.GetField("AnalyticId")?.GetValue(null) as string)
            .OfType<string>()
            .Where(id => id.StartsWith("atalaya.analytic.", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(ids);
        foreach (var id in ids)
        {
            var what = SpanishSummary.What(RiskScoreTests.S(id, 50, 1) with { SourceName = "UNTRANSLATED" });
            Assert.DoesNotContain("UNTRANSLATED", what, StringComparison.Ordinal);
        }
    }
}
