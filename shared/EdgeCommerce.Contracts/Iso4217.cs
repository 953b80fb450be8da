using System.Collections.Frozen;

namespace EdgeCommerce.Contracts;

/// <summary>
/// Active ISO 4217 currencies a shop can price in, with their minor units (decimal places).
/// Fund codes and precious metals (XAU, XDR…) are left out on purpose: nobody buys a hoodie in them.
/// </summary>
public static class Iso4217
{
    private const string Table =
        "AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BGN2 BHD3 BIF0 BMD2 BND2 BOB2 BRL2 BSD2 " +
        "BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 CHF2 CLP0 CNY2 COP2 CRC2 CUP2 CVE2 CZK2 DJF0 DKK2 DOP2 DZD2 EGP2 ERN2 " +
        "ETB2 EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 GMD2 GNF0 GTQ2 GYD2 HKD2 HNL2 HTG2 HUF2 IDR2 ILS2 INR2 IQD3 " +
        "IRR2 ISK0 JMD2 JOD3 JPY0 KES2 KGS2 KHR2 KMF0 KPW2 KRW0 KWD3 KYD2 KZT2 LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 " +
        "MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 MOP2 MRU2 MUR2 MVR2 MWK2 MXN2 MYR2 MZN2 NAD2 NGN2 NIO2 NOK2 NPR2 NZD2 " +
        "OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 PYG0 QAR2 RON2 RSD2 RUB2 RWF0 SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 " +
        "SLE2 SOS2 SRD2 SSP2 STN2 SVC2 SYP2 SZL2 THB2 TJS2 TMT2 TND3 TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 UGX0 USD2 " +
        "UYU2 UZS2 VES2 VND0 VUV0 WST2 XAF0 XCD2 XCG2 XOF0 XPF0 YER2 ZAR2 ZMW2 ZWG2";

    private static readonly FrozenDictionary<string, int> s_minorUnits = Table
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .ToFrozenDictionary(static entry => entry[..3], static entry => entry[3] - '0', StringComparer.Ordinal);

    /// <summary>Minor units of <paramref name="code"/> (2 for EUR, 0 for JPY), or false when it is not a currency we accept.</summary>
    public static bool TryGetMinorUnits(string code, out int minorUnits) => s_minorUnits.TryGetValue(code, out minorUnits);

    /// <summary>Minor units of <paramref name="code"/> for display: 2 for a code not in the table (or none).</summary>
    public static int MinorUnitsOrTwo(string? code) => code is not null && s_minorUnits.TryGetValue(code, out var minorUnits) ? minorUnits : 2;

    /// <summary>The currencies whose minor units are not 2, as a JSON object (<c>{"BHD":3,…}</c>) for a page's script.</summary>
    public static string NonDecimalJson { get; } = "{" + string.Join(',', s_minorUnits
        .Where(static entry => entry.Value != 2)
        .OrderBy(static entry => entry.Key, StringComparer.Ordinal)
        .Select(static entry => "\"" + entry.Key + "\":" + entry.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "}";
}
