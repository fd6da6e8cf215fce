using System.Diagnostics.CodeAnalysis;

namespace Sluice.Client.Media;

/// <summary>Opens a media file by its extension, or by its first bytes when the extension says nothing.</summary>
internal static class MediaSources
{
    public enum FileKind
    {
        Unknown = 0,
        Ivf = 1,
        H264 = 2,
        OggOpus = 3,
    }

    public static FileKind Detect(string path, ReadOnlySpan<byte> head)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".ivf":
                return FileKind.Ivf;
            case ".h264" or ".264":
                return FileKind.H264;
            case ".ogg" or ".opus" or ".oga":
                return FileKind.OggOpus;
        }

        if (head.StartsWith("DKIF"u8))
        {
            return FileKind.Ivf;
        }

        if (head.StartsWith("OggS"u8))
        {
            return FileKind.OggOpus;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0, 0, 0, 1]) || head.StartsWith((ReadOnlySpan<byte>)[0, 0, 1]))
        {
            return FileKind.H264;
        }

        return FileKind.Unknown;
    }

    /// <summary>Opens <paramref name="path"/>; on failure <paramref name="error"/> says why in words for the console.</summary>
    public static bool TryOpen(string path, double fps, [NotNullWhen(true)] out IMediaSource? source, [NotNullWhen(false)] out string? error)
    {
        source = null;
        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot open '{path}': {e.Message}";
            return false;
        }

        try
        {
            Span<byte> head = stackalloc byte[4];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            switch (Detect(path, head[..read]))
            {
                case FileKind.Ivf:
                    source = new IvfSource(stream);
                    break;
                case FileKind.H264:
                    source = new H264Source(stream, fps);
                    break;
                case FileKind.OggOpus:
                    source = new OggOpusSource(stream);
                    break;
                default:
                    stream.Dispose();
                    error = $"'{path}': not an IVF, H264 Annex B (.h264/.264) or Ogg/Opus file";
                    return false;
            }

            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or NotSupportedException)
        {
            stream.Dispose();
            error = $"'{path}': {e.Message}";
            return false;
        }
    }
}
