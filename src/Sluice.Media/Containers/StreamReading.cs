namespace Sluice.Media.Containers;

internal static class StreamReading
{
    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    public static int ReadFully(Stream stream, Span<byte> buffer) =>
        buffer.IsEmpty ? 0 : stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
}
