using System.Runtime.InteropServices;

namespace Sluice.Server.Health;

/// <summary>
/// Replaces the console lifetime, which stops the host at once on SIGTERM: here SIGTERM starts a drain
/// (a second SIGTERM stops at once, for an orchestrator that will not wait); SIGINT and SIGQUIT stop at once.
/// </summary>
internal sealed class DrainingLifetime : IHostLifetime, IDisposable
{
    private readonly DrainCoordinator _drain;
    private int _terminations;
    private readonly IHostApplicationLifetime _lifetime;
    private PosixSignalRegistration[] _registrations = [];

    public DrainingLifetime(DrainCoordinator drain, IHostApplicationLifetime lifetime)
    {
        _drain = drain;
        _lifetime = lifetime;
    }

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnStop),
        ];
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnTerminate(PosixSignalContext context)
    {
        // Cancel the default (the process ending now): the drain decides when it ends. The second SIGTERM stops
        // at once; a drain already started through the API (say by a preStop hook) does not count as one.
        context.Cancel = true;
        if (Interlocked.Increment(ref _terminations) == 1)
        {
            _drain.Start("SIGTERM");
        }
        else
        {
            _lifetime.StopApplication();
        }
    }

    private void OnStop(PosixSignalContext context)
    {
        context.Cancel = true;
        _lifetime.StopApplication();
    }
}
