using Microsoft.Extensions.Options;

namespace Sluice.Server.Auth;

public static partial class AuthServices
{
    /// <summary>Binds <c>Auth</c>, validates it at start, and registers the <see cref="IAccessChecker"/>.</summary>
    public static IServiceCollection AddSluiceAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<Authorizer>();
        services.AddSingleton<IAccessChecker>(provider => provider.GetRequiredService<Authorizer>());
        services.AddHostedService<AuthModeLog>();
        return services;
    }

    /// <summary>Says at start which auth is in force, loudly when none is.</summary>
    private sealed partial class AuthModeLog(Authorizer authorizer, IOptions<AuthOptions> options, ILogger<Authorizer> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.DevKeys)
            {
                LogDevKeys(logger, AuthOptions.DevApiKey, AuthOptions.DevApiSecret);
            }

            if (options.Value.ApiKeys.Count > 0)
            {
                LogApiKeys(logger, string.Join(", ", options.Value.ApiKeys.Keys));
            }

            if (!authorizer.Enabled)
            {
                LogAuthOff(logger);
            }
            else
            {
                LogAuthOn(logger, authorizer.StaticTokens ? "static tokens" : "no static tokens", authorizer.Jwt ? "HS256 JWTs" : "no JWTs");
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(22, LogLevel.Warning, "auth is off: anyone can publish, play and administer (set Auth:Secret or Auth:Tokens)")]
        private static partial void LogAuthOff(ILogger logger);

        [LoggerMessage(24, LogLevel.Warning, "DEVELOPMENT MODE (--dev): LiveKit tokens signed with the well-known key pair {ApiKey} / {ApiSecret} are accepted; never run a reachable node like this")]
        private static partial void LogDevKeys(ILogger logger, string apiKey, string apiSecret);

        [LoggerMessage(25, LogLevel.Information, "LiveKit API keys: {Keys}")]
        private static partial void LogApiKeys(ILogger logger, string keys);

        [LoggerMessage(23, LogLevel.Information, "auth is on: {Static}, {Jwt}")]
        private static partial void LogAuthOn(ILogger logger, string @static, string jwt);
    }
}
