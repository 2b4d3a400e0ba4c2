namespace Atalaya.Core.Baseline;

public sealed record BaselineOptions
{
    /// <summary>Distinct slots (hours of a learn run) a fact needs before it joins the baseline.</summary>
    public int PromoteAfter { get; init; } = 3;

    /// <summary>Width of a sighting slot inside one run.</summary>
    public TimeSpan SlotWidth { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Candidates kept at most; later new facts are counted as dropped, never grow memory.</summary>
    public int MaxCandidates { get; init; } = 200_000;
}
