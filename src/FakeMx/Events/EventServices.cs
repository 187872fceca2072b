using FakeMx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FakeMx.Events;

/// <summary>Registers the event pipeline: queue (the <see cref="IEventSink"/>), writer, store, retention.</summary>
public static class EventServices
{
    /// <summary>
    /// Binds and checks <see cref="EventStoreOptions"/> from <paramref name="configuration"/>
    /// (throwing <see cref="ConfigurationProblem"/>) and registers the services.
    /// </summary>
    public static IServiceCollection AddEventStore(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new EventStoreOptions();
        try
        {
            configuration.GetSection(EventStoreOptions.Section).Bind(options);
        }
        catch (InvalidOperationException error)
        {
            var cause = error.InnerException?.Message ?? string.Empty;
            throw new ConfigurationProblem($"{error.Message.TrimEnd('.')}. {cause}".Trim());
        }

        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ConfigurationProblem(problems);
        }

        StoreLocation.TryParse(options.Location, out var location, out _);
        services.AddSingleton(options);
        services.AddSingleton<IEventStore>(_ => EventStores.Create(location!, options.MaxRecipients));
        services.AddSingleton<EventQueue>();
        services.AddSingleton<IEventSink>(provider => provider.GetRequiredService<EventQueue>());
        services.AddSingleton<EventWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<EventWriter>());
        services.AddHostedService<RetentionService>();
        return services;
    }
}
