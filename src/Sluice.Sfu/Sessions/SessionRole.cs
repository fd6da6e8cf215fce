namespace Sluice.Sfu.Sessions;

public enum SessionRole
{
    Publisher,
    Subscriber,
}
