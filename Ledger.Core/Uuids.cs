using System.Security.Cryptography;

namespace Ledger;

/// <summary>Ids the ledger derives rather than draws.</summary>
internal static class Uuids
{
    /// <summary>The UUID version of the ids the ledger derives. A caller may not choose such an id for a transfer
    /// (nor for a reversal, other than the one derived for it): otherwise anyone could post a refused transfer under
    /// the id a reversal will derive, and the rightful reversal would always meet an idempotency conflict.</summary>
    public const int DerivedVersion = 5;

    public const string ReservedMessage =
        "Ids of UUID version 5 are reserved for the reversals the ledger derives; use a random (version 4) or time-ordered (version 7) UUID.";

    // A fixed namespace for name-based (version 5, RFC 9562) ids of reversals.
    private static readonly byte[] ReversalNamespace = new Guid("5b0f3c1e-8a4d-4f6e-9c2a-7d1e0b3a9f41").ToByteArray(bigEndian: true);

    /// <summary>The id of the reversal of <paramref name="transferId"/> when the caller names none: the same input
    /// always gives the same id, so retrying a reversal without an id cannot post it twice.</summary>
    public static Guid ReversalIdOf(Guid transferId)
    {
        Span<byte> name = stackalloc byte[32];
        ReversalNamespace.CopyTo(name);
        transferId.TryWriteBytes(name[16..], bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version-5 ids; it derives an id, it protects nothing.
        SHA1.HashData(name, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
