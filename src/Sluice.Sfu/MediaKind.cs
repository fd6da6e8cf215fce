namespace Sluice.Sfu;

public enum MediaKind
{
    Audio,
    Video,
}
