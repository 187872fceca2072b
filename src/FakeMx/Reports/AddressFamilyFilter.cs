namespace FakeMx.Reports;

/// <summary>Which client addresses an export keeps.</summary>
public enum AddressFamilyFilter
{
    Any,
    Ipv4,
    Ipv6,
}
