using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// One signed POST of an alert body to an endpoint, and what its answer means: 2xx sent; 410 gone (the endpoint is
/// disabled); 408, 429, 5xx, a timeout or a network error retried; any other answer failed. Redirects are not
/// followed (a POST turned into a GET loses the body): configure the final URL.
/// </summary>
internal sealed class AlertSender(Func<HttpClient> clients, TimeProvider time)
{
    public const string ClientName = "alerts";

    public static HttpMessageHandler NewHandler() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };

    public async Task<AttemptResult> SendAsync(AlertEndpoint endpoint, string id, string body, TimeSpan timeout, CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        foreach (var (name, value) in AlertSigner.Headers(endpoint.Secret, id, time.GetUtcNow(), body))
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.UserAgent.ParseAdd("LeadTracker-Alerts/1");

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        attempt.CancelAfter(timeout);
        try
        {
            var http = clients();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            return Classify(response.StatusCode, RetryAfter(response));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return new AttemptResult(AttemptOutcome.Retry, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return new AttemptResult(AttemptOutcome.Retry, "network: " + e.Message);
        }
    }

    public static AttemptResult Classify(HttpStatusCode status, TimeSpan? retryAfter = null)
    {
        var code = (int)status;
        var result = $"HTTP {code}";
        return code switch
        {
            >= 200 and < 300 => new AttemptResult(AttemptOutcome.Sent, result),
            410 => new AttemptResult(AttemptOutcome.Gone, result + ": endpoint disabled"),
            408 or 429 or >= 500 => new AttemptResult(AttemptOutcome.Retry, result, retryAfter),
            _ => new AttemptResult(AttemptOutcome.Failed, result + " (not retried)"),
        };
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };
}
