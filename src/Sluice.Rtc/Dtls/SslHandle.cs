using System.Runtime.InteropServices;

namespace Sluice.Rtc.Dtls;

/// <summary>Owns an OpenSSL <c>SSL</c>; <c>SSL_free</c> also frees the BIOs attached with <c>SSL_set_bio</c>.</summary>
internal sealed class SslHandle : SafeHandle
{
    public SslHandle()
        : base(0, ownsHandle: true)
    {
    }

    internal SslHandle(nint ssl)
        : this() => SetHandle(ssl);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OpenSsl.SSL_free(handle);
        return true;
    }
}
