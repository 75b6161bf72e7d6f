using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace LeadTracker.Worker.Errors;

/// <summary>
/// The RabbitMQ management HTTP API of one virtual host, as the <c>errors</c> verbs use it: every failure becomes one
/// <see cref="InvalidOperationException"/> whose message tells an operator what to check.
/// </summary>
internal sealed class ManagementApi(ErrorQueueConnection connection) : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = connection.ManagementUri,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders =
        {
            Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.Username}:{connection.Password}"))),
        },
    };

    /// <summary><c>api/{collection}/{vhost}</c>, then <c>/{name}</c> when given, both escaped.</summary>
    public string Path(string collection, string? name = null) =>
        $"api/{collection}/{Uri.EscapeDataString(connection.VirtualHost)}" + (name is null ? "" : "/" + Uri.EscapeDataString(name));

    /// <summary>The resource as JSON, or null when it does not exist.</summary>
    public async Task<T?> GetAsync<T>(string path, CancellationToken cancellationToken) where T : JsonNode
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, "read " + path, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(cancellationToken);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        try
        {
            return await _http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException { InnerException: TimeoutException })
        {
            throw new InvalidOperationException(
                $"The RabbitMQ management API at {connection.ManagementUri} did not answer (is the broker running with the " +
                $"management plugin enabled?): {e.Message}", e);
        }
    }

    public async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new InvalidOperationException(
                $"The RabbitMQ management API at {connection.ManagementUri} refused user '{connection.Username}' " +
                $"({(int)response.StatusCode}) to {what}: check the password, and the user's tags and permissions on " +
                $"virtual host '{connection.VirtualHost}'.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Could not {what}: the management API answered {(int)response.StatusCode} " +
                $"{response.ReasonPhrase}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public void Dispose() => _http.Dispose();
}
