using System.Buffers.Binary;
using Sluice.Rtc.Transport;

namespace Sluice.Rtc.Dtls;

/// <summary>
/// Splits OpenSSL's output into datagrams. OpenSSL's memory BIO concatenates every write, so the datagram
/// boundaries it intended are lost; we recover them from the DTLS record headers (RFC 6347 §4.1) and pack
/// whole records into datagrams of at most the MTU, which RFC 6347 §4.1.1 allows ("multiple DTLS records may
/// be placed in a single datagram"). OpenSSL already sizes each handshake record to fit the MTU, so only an
/// oversized application-data record (the caller's choice) can produce a datagram above it.
/// </summary>
internal static class DtlsRecordPacker
{
    /// <summary>type(1) version(2) epoch(2) sequence_number(6) length(2), RFC 6347 §4.1.</summary>
    public const int RecordHeaderLength = 13;

    public static void Send(ReadOnlySpan<byte> records, int mtu, DatagramSender send)
    {
        int start = 0;
        int offset = 0;
        while (offset < records.Length)
        {
            // A malformed header cannot come from OpenSSL; if it ever did, ship the rest as-is rather than drop it.
            int size = TryGetRecordLength(records[offset..], out int length) ? length : records.Length - offset;
            if (offset > start && offset + size - start > mtu)
            {
                send(records[start..offset]);
                start = offset;
            }

            offset += size;
        }

        if (offset > start)
        {
            send(records[start..offset]);
        }
    }

    /// <summary>Total length (header + fragment) of the record at the start of <paramref name="data"/>.</summary>
    public static bool TryGetRecordLength(ReadOnlySpan<byte> data, out int length)
    {
        length = 0;
        if (data.Length < RecordHeaderLength)
        {
            return false;
        }

        int total = RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(data[11..]);
        if (total > data.Length)
        {
            return false;
        }

        length = total;
        return true;
    }
}
