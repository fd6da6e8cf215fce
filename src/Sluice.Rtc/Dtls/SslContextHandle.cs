using System.Runtime.InteropServices;

namespace Sluice.Rtc.Dtls;

/// <summary>Owns one reference to an OpenSSL <c>SSL_CTX</c> (reference counted natively: each <c>SSL</c> holds its own).</summary>
internal sealed class SslContextHandle : SafeHandle
{
    public SslContextHandle()
        : base(0, ownsHandle: true)
    {
    }

    internal SslContextHandle(nint context)
        : this() => SetHandle(context);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OpenSsl.SSL_CTX_free(handle);
        return true;
    }
}
