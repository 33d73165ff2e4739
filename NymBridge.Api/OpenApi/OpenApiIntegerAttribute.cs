using System.Globalization;
using System.Numerics;
using Microsoft.OpenApi;
using NymBridge.Api.Nym;

namespace NymBridge.Api.OpenApi;

/// <summary>
/// Documents a value as the integer it must be, with its range. For parameters bound as strings on purpose
/// (a malformed value then gets the endpoint's own 400 problem that says what to fix, not the framework's
/// bare one), and for properties whose range the CLR type does not say (a connection id is a ulong but never 0).
/// A typed client then sends numbers, and can pass back the API's own cursors, seqs and lanes.
/// </summary>
/// <remarks>Bounds are text because 2^64-1 fits no attribute argument type that also holds negatives.</remarks>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class OpenApiIntegerAttribute(string minimum, string maximum) : Attribute
{
    public const string Int64Max = "9223372036854775807";
    public const string UInt64Max = "18446744073709551615";

    /// <summary>A bound that is <c>Nym:MaxReplySurbs</c>: the document is generated with the configured value.</summary>
    public const string MaxReplySurbs = "Nym:MaxReplySurbs";

    public string Minimum { get; } = minimum;
    public string Maximum { get; } = maximum;

    /// <summary>A bound as a number: <see cref="MaxReplySurbs"/> becomes the configured value.</summary>
    public static string Bound(string bound, NymOptions nym) =>
        bound == MaxReplySurbs ? nym.MaxReplySurbs.ToString(CultureInfo.InvariantCulture) : bound;

    /// <summary>The schema of such a value: <c>int32</c> or <c>int64</c> when the range fits one, else no format (OpenAPI has none for uint64).</summary>
    public static OpenApiSchema Schema(string minimum, string maximum, string? description = null)
    {
        var max = BigInteger.Parse(maximum, CultureInfo.InvariantCulture);
        var min = BigInteger.Parse(minimum, CultureInfo.InvariantCulture);
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = min >= int.MinValue && max <= int.MaxValue ? "int32" : min >= long.MinValue && max <= long.MaxValue ? "int64" : null,
            Minimum = minimum,
            Maximum = maximum,
            Description = description,
        };
    }
}
