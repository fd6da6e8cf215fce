using System.Security.Cryptography;

namespace Sluice.Rtc.Stun;

/// <summary>STUN transaction ids (RFC 8489 §5: 96 bits, uniformly and cryptographically random).</summary>
public static class StunTransaction
{
    /// <summary>Fills <paramref name="transactionId"/> (exactly 12 bytes) with a fresh random id.</summary>
    public static void NewId(Span<byte> transactionId)
    {
        if (transactionId.Length != StunMessage.TransactionIdLength)
        {
            throw new ArgumentException("A STUN transaction id is 12 bytes.", nameof(transactionId));
        }

        RandomNumberGenerator.Fill(transactionId);
    }
}
