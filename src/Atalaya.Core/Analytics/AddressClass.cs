namespace Atalaya.Core.Analytics;

/// <summary>What kind of address an IP is, from the host's point of view.</summary>
public enum AddressClass
{
    Unspecified,
    Loopback,
    Private,
    CarrierGradeNat,
    LinkLocal,
    Multicast,
    Documentation,
    Public,
}
