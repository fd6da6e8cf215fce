namespace Sluice.Interop.Tests.GStreamer;

/// <summary>
/// Tests whose peers encode and decode real video (GStreamer, Firefox, Chromium): each measures frame rates, so
/// they run one at a time, not beside other test classes, on two shared cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MediaPeersCollection
{
    public const string Name = "Media peers";
}
