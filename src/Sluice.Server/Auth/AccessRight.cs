namespace Sluice.Server.Auth;

/// <summary>
/// What a token allows, as live777's JWT <c>mode</c> bits: 4 subscribe (WHEP), 2 publish (WHIP), 1 admin.
/// A token with mode 7 may do all three.
/// </summary>
[Flags]
public enum AccessRight
{
    None = 0,
    Admin = 1,
    Publish = 2,
    Subscribe = 4,
    All = Admin | Publish | Subscribe,
}
