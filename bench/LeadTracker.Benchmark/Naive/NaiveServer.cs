using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Benchmark.Naive;

internal enum NaiveMode
{
    /// <summary>SQLite defaults: rollback journal, synchronous=FULL, a new (pooled) connection and one transaction per request.</summary>
    Defaults,

    /// <summary>Tuned: WAL, synchronous=NORMAL, one connection kept open, writers serialised by a SemaphoreSlim.</summary>
    Tuned,
}

/// <summary>
/// What a developer writes without LeadTracker: one ASP.NET Core endpoint that verifies the signature, parses the
/// event and writes it to SQLite with Dapper inside the request, answering 200 after the commit. Same semantics as
/// LeadTracker's store where it matters for the comparison (insert once by wamid, status forward only, contact
/// upsert with MAX timestamps, marketing by sequence); same table and column names so one probe reads both.
/// </summary>
internal sealed class NaiveServer : IAsyncDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS contacts (
            id INTEGER PRIMARY KEY,
            phone_e164 TEXT NOT NULL UNIQUE,
            profile_name TEXT,
            marketing_status TEXT,
            marketing_sequence INTEGER,
            last_activity_at INTEGER,
            last_contact_at INTEGER,
            last_inbound_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_contacts_last_activity ON contacts (last_activity_at);
        CREATE INDEX IF NOT EXISTS ix_contacts_last_contact ON contacts (last_contact_at);
        CREATE TABLE IF NOT EXISTS messages (
            id INTEGER PRIMARY KEY,
            wamid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id),
            direction TEXT NOT NULL,
            type TEXT,
            body TEXT,
            status TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL);
        """;

    private const string UpsertContactForMessage = """
        INSERT INTO contacts (phone_e164, profile_name, last_activity_at, last_contact_at, last_inbound_at, created_at, updated_at)
        VALUES (@Phone, @Name, @Activity, @Contact, @Inbound, @Now, @Now)
        ON CONFLICT (phone_e164) DO UPDATE SET
            profile_name = COALESCE(excluded.profile_name, contacts.profile_name),
            last_activity_at = MAX(COALESCE(contacts.last_activity_at, 0), COALESCE(excluded.last_activity_at, 0)),
            last_contact_at = MAX(COALESCE(contacts.last_contact_at, 0), COALESCE(excluded.last_contact_at, 0)),
            last_inbound_at = MAX(COALESCE(contacts.last_inbound_at, 0), COALESCE(excluded.last_inbound_at, 0)),
            updated_at = excluded.updated_at
        RETURNING id
        """;

    private const string UpsertMessage = """
        INSERT INTO messages (wamid, contact_id, direction, type, body, status, occurred_at, received_at)
        VALUES (@Wamid, @ContactId, @Direction, @Type, @Body, @Status, @OccurredAt, @Now)
        ON CONFLICT (wamid) DO UPDATE SET status = excluded.status
        WHERE (CASE excluded.status WHEN 'read' THEN 3 WHEN 'delivered' THEN 2 WHEN 'sent' THEN 1 ELSE 0 END)
            > (CASE messages.status WHEN 'read' THEN 3 WHEN 'delivered' THEN 2 WHEN 'sent' THEN 1 ELSE 0 END)
        """;

    private const string UpsertMarketing = """
        INSERT INTO contacts (phone_e164, profile_name, marketing_status, marketing_sequence, created_at, updated_at)
        VALUES (@Phone, @Name, @Status, @Sequence, @Now, @Now)
        ON CONFLICT (phone_e164) DO UPDATE SET
            marketing_status = excluded.marketing_status,
            marketing_sequence = excluded.marketing_sequence,
            updated_at = excluded.updated_at
        WHERE excluded.marketing_sequence > COALESCE(contacts.marketing_sequence, -1)
        """;

    private readonly WebApplication _app;
    private readonly SqliteConnection? _shared;
    private readonly SemaphoreSlim _writer = new(1, 1);

    private NaiveServer(WebApplication app, SqliteConnection? shared)
    {
        _app = app;
        _shared = shared;
    }

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<NaiveServer> StartAsync(NaiveMode mode, string databasePath, byte[] secret)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath }.ToString();
        await using (var setup = new SqliteConnection(connectionString))
        {
            await setup.OpenAsync();
            if (mode == NaiveMode.Tuned)
            {
                await setup.ExecuteAsync("PRAGMA journal_mode = WAL");
            }

            await setup.ExecuteAsync(Schema);
        }

        SqliteConnection? shared = null;
        if (mode == NaiveMode.Tuned)
        {
            shared = new SqliteConnection(connectionString);
            await shared.OpenAsync();
            await shared.ExecuteAsync("PRAGMA synchronous = NORMAL");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new NaiveServer(app, shared);
        app.MapPost("/webhooks/kapso", (Delegate)((HttpContext http) => server.HandleAsync(http, secret, connectionString)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(new Uri(address), "/webhooks/kapso");
        return server;
    }

    private async Task<IResult> HandleAsync(HttpContext http, byte[] secret, string connectionString)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var body = buffer.ToArray();

        var signature = http.Request.Headers["X-Webhook-Signature"].ToString();
        var expected = HMACSHA256.HashData(secret, body);
        if (signature.Length != expected.Length * 2
            || !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(signature), expected))
        {
            return Results.Unauthorized();
        }

        var eventType = http.Request.Headers["X-Webhook-Event"].ToString();
        using var json = JsonDocument.Parse(body);
        var items = json.RootElement.TryGetProperty("batch", out var batch) && batch.ValueKind == JsonValueKind.True
            ? [.. json.RootElement.GetProperty("data").EnumerateArray()]
            : new[] { json.RootElement };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        if (_shared is not null)
        {
            await _writer.WaitAsync(http.RequestAborted);
            try
            {
                Apply(_shared, eventType, items, now);
            }
            finally
            {
                _writer.Release();
            }
        }
        else
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            Apply(connection, eventType, items, now);
        }

        return Results.Ok();
    }

    private static void Apply(SqliteConnection connection, string eventType, JsonElement[] items, long now)
    {
        using var tx = connection.BeginTransaction();
        foreach (var item in items)
        {
            if (eventType.StartsWith("whatsapp.message.", StringComparison.Ordinal))
            {
                ApplyMessage(connection, tx, eventType, item, now);
            }
            else if (eventType == "whatsapp.contact.marketing_preference_changed")
            {
                var contact = item.GetProperty("contact");
                var preference = item.GetProperty("marketing_preference");
                connection.Execute(UpsertMarketing, new
                {
                    Phone = "+" + contact.GetProperty("wa_id").GetString(),
                    Name = contact.GetProperty("profile_name").GetString(),
                    Status = preference.GetProperty("status").GetString(),
                    Sequence = preference.GetProperty("sequence").GetInt64(),
                    Now = now,
                }, tx);
            }
        }

        tx.Commit();
    }

    private static void ApplyMessage(SqliteConnection connection, SqliteTransaction tx, string eventType, JsonElement item, long now)
    {
        var message = item.GetProperty("message");
        var kapso = message.GetProperty("kapso");
        var conversation = item.GetProperty("conversation");
        var direction = kapso.GetProperty("direction").GetString()!;
        var occurredAt = long.Parse(message.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture) * 1000;
        var isReceipt = eventType is not ("whatsapp.message.received" or "whatsapp.message.sent");
        var inbound = direction == "inbound";
        string? name = conversation.TryGetProperty("kapso", out var ck) && ck.TryGetProperty("contact_name", out var n) ? n.GetString() : null;

        var contactId = connection.ExecuteScalar<long>(UpsertContactForMessage, new
        {
            Phone = "+" + conversation.GetProperty("phone_number").GetString()!.TrimStart('+'),
            Name = name,
            Activity = isReceipt ? (long?)null : occurredAt,
            Contact = isReceipt || inbound ? (long?)null : occurredAt,
            Inbound = isReceipt || !inbound ? (long?)null : occurredAt,
            Now = now,
        }, tx);

        connection.Execute(UpsertMessage, new
        {
            Wamid = message.GetProperty("id").GetString(),
            ContactId = contactId,
            Direction = direction,
            Type = message.GetProperty("type").GetString(),
            Body = message.TryGetProperty("text", out var text) ? text.GetProperty("body").GetString() : null,
            Status = kapso.GetProperty("status").GetString(),
            OccurredAt = occurredAt,
            Now = now,
        }, tx);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }

        _writer.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
