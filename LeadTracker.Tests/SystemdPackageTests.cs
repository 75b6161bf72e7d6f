using System.Text.Json;
using System.Text.RegularExpressions;

namespace LeadTracker.Tests;

/// <summary>
/// The Debian package as an operator installs it: built by scripts/package.sh, installed with apt into a minimal
/// Debian 12 booted with systemd as PID 1 (scripts/debian-rootfs.sh: systemd-nspawn, the host's network, so the
/// local RabbitMQ answers), then started, fed signed webhooks, killed, restarted and stopped through systemd.
/// Needs root, debootstrap and systemd-container (scripts/test.sh installs them); the first run downloads the
/// Debian tree into /var/cache/leadtracker-test/. The tests run in order on one booted container.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class SystemdPackageTests
{
    private const string Secret = "package-test-secret";
    private const string Worker = "leadtracker-worker.service";
    private const string Ingress = "leadtracker-ingress.service";

    private readonly WebhookGenerator _generator = new(Secret, phones: 1_000, seed: 16);
    private readonly HashSet<string> _phonesSent = [];
    private string _container = "";
    private TestBroker? _broker;
    private HttpClient? _http;

    [OneTimeSetUp]
    public async Task Install_the_package_into_a_booted_debian()
    {
        Assert.That(Environment.UserName, Is.EqualTo("root"), "systemd-nspawn needs root (CI runs as root)");
        var package = await Script(TimeSpan.FromMinutes(10), "scripts/package.sh", "--deb-only");
        var deb = DebPath().Match(package.Stdout).Groups[1].Value;
        Assert.That(deb, Is.Not.Empty, $"scripts/package.sh named no package:\n{package.Output}");

        // The package's Depends that minbase lacks; the rest (libc6, zlib1g, passwd, …) is in every Debian.
        var tree = (await Script(TimeSpan.FromMinutes(10), "scripts/debian-rootfs.sh", "tree", "libssl3", "ca-certificates", "procps")).Stdout.Trim();
        _container = Path.Combine(Path.GetTempPath(), $"lt-package-{Guid.NewGuid():N}"[..19]);
        await Script(TimeSpan.FromMinutes(3), "scripts/debian-rootfs.sh", "boot", tree, _container);

        File.Copy(Path.Combine(RepoPaths.Root, deb), Path.Combine(_container, "root", "root", Path.GetFileName(deb)));
        await Inside(TimeSpan.FromMinutes(3), ["apt-get", "install", "-y", "--no-install-recommends", "/root/" + Path.GetFileName(deb)]);

        // Its own virtual host and ports, so that nothing else on this machine sees it (the compose test uses 5080/5081).
        _broker = await TestBroker.CreateAsync("package");
        var ingressPort = LoopbackPort.Free();
        var workerPort = LoopbackPort.Free();
        await Inside(TimeSpan.FromSeconds(30), ["sed", "-i",
            "-e", $"s|^LeadTracker__RabbitMq__VirtualHost=.*|LeadTracker__RabbitMq__VirtualHost={_broker.VirtualHost}|",
            "-e", $"s|^ASPNETCORE_URLS=.*|ASPNETCORE_URLS=http://127.0.0.1:{ingressPort}|",
            "-e", $"s|^LeadTracker__Worker__Urls=.*|LeadTracker__Worker__Urls=http://127.0.0.1:{workerPort}|",
            "/etc/leadtracker/ingress.env", "/etc/leadtracker/worker.env"]);
        await Inside(TimeSpan.FromSeconds(30), ["sh", "-c",
            $"printf %s '{Secret}' >/etc/leadtracker/credentials/LeadTracker__Kapso__WebhookSecret"]);
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ingressPort}") };
    }

    [OneTimeTearDown]
    public async Task Tear_the_container_down()
    {
        _http?.Dispose();
        if (_container.Length > 0) await Script(TimeSpan.FromMinutes(1), "scripts/debian-rootfs.sh", "down", _container);
        if (_broker is not null) await _broker.DisposeAsync();
    }

    [Test]
    [Order(1)]
    public async Task The_installed_files_are_in_place_and_the_units_pass_systemd_analyze_verify()
    {
        var verify = await Inside(TimeSpan.FromSeconds(60), ["systemd-analyze", "verify", "--man=no", Worker, Ingress]);
        var credentials = await Inside(TimeSpan.FromSeconds(10), ["stat", "-c", "%a %U %n",
            "/etc/leadtracker/credentials", "/etc/leadtracker/credentials/LeadTracker__Api__Tokens"]);

        Assert.Multiple(() =>
        {
            Assert.That(verify.Output.Trim(), Is.Empty, "systemd-analyze verify of the installed units");
            Assert.That(credentials.Stdout, Does.Contain("700 root /etc/leadtracker/credentials\n"));
            Assert.That(credentials.Stdout, Does.Contain("600 root /etc/leadtracker/credentials/LeadTracker__Api__Tokens"));
        });
    }

    [Test]
    [Order(2)]
    public async Task Both_units_become_active_within_30_seconds_of_systemctl_start()
    {
        // Type=notify: systemctl start returns once the app said READY=1, and fails after 90 s when it never does.
        var start = await Inside(TimeSpan.FromSeconds(60), ["timeout", "30", "systemctl", "start", Worker, Ingress], check: false);
        var active = await Inside(TimeSpan.FromSeconds(10), ["systemctl", "is-active", Worker, Ingress], check: false);

        Assert.Multiple(() =>
        {
            Assert.That(start.ExitCode, Is.Zero, $"systemctl start did not return within 30 s:\n{start.Output}");
            Assert.That(active.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "active", "active" }));
        });
    }

    [Test]
    [Order(3)]
    public async Task A_webhook_stream_is_stored_and_read_by_the_leadtracker_command_though_the_worker_is_killed()
    {
        var webhooks = _generator.ReceivedTexts(60);
        await Post(webhooks.Take(30));
        var killed = await MainPid(Worker);
        await Inside(TimeSpan.FromSeconds(10), ["sh", "-c", "kill -9 " + killed]);
        await Post(webhooks.Skip(30));

        await WaitUntil(async () => await ActiveWithNewPid(Worker, killed), TimeSpan.FromSeconds(60),
            "systemd restarting the killed worker (Restart=on-failure)");
        var leads = await WaitForLeads(TimeSpan.FromSeconds(60));

        Assert.Multiple(async () =>
        {
            Assert.That(leads, Is.SupersetOf(_phonesSent), "every lead sent, read by `leadtracker leads recent --json`");
            // The event queues are streams (they keep what was read): only the error queues must be empty.
            Assert.That((await _broker!.QueueDepthsAsync()).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0),
                Is.Empty, "nothing in an _error queue");
        });
    }

    [Test]
    [Order(4)]
    public async Task Systemctl_restart_brings_the_ingress_back_and_it_accepts_webhooks()
    {
        var before = await MainPid(Ingress);
        await Inside(TimeSpan.FromSeconds(60), ["timeout", "30", "systemctl", "restart", Ingress]);

        Assert.That(await ActiveWithNewPid(Ingress, before), Is.True, "the ingress active again, in a new process");
        await Post(_generator.ReceivedTexts(5));
        Assert.That(await WaitForLeads(TimeSpan.FromSeconds(60)), Is.SupersetOf(_phonesSent));
    }

    [Test]
    [Order(4)]
    public async Task Systemctl_reload_sends_the_worker_sighup_and_it_keeps_running_and_consuming()
    {
        var before = await MainPid(Worker);
        await Inside(TimeSpan.FromSeconds(60), ["timeout", "30", "systemctl", "reload", Worker]);

        var active = await Inside(TimeSpan.FromSeconds(10), ["systemctl", "is-active", Worker], check: false);
        var after = await MainPid(Worker);
        Assert.Multiple(() =>
        {
            Assert.That(active.Stdout.Trim(), Is.EqualTo("active"), "the worker after a reload");
            Assert.That(after, Is.EqualTo(before), "the same process: SIGHUP reloads, never stops");
        });
        await Post(_generator.ReceivedTexts(3));
        Assert.That(await WaitForLeads(TimeSpan.FromSeconds(60)), Is.SupersetOf(_phonesSent));
    }

    [TestCase(Worker)]
    [TestCase(Ingress)]
    [Order(5)]
    public async Task A_running_unit_scores_an_exposure_of_at_most_two_in_systemd_analyze_security(string unit)
    {
        var security = await Inside(TimeSpan.FromSeconds(60), ["systemd-analyze", "security", "--no-pager", unit], check: false);

        var overall = OverallExposure().Match(security.Output);
        Assert.That(overall.Success, Is.True, $"no overall exposure in:\n{security.Output}");
        var exposure = double.Parse(overall.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"{unit} (running): exposure {exposure}");
        Assert.That(exposure, Is.LessThanOrEqualTo(2.0), security.Output);
    }

    [Test]
    [Order(6)]
    public async Task A_clean_stop_start_and_stop_leaves_both_units_inactive_and_no_warning_in_the_journal()
    {
        var since = (await Inside(TimeSpan.FromSeconds(10), ["date", "+@%s"])).Stdout.Trim();
        await Inside(TimeSpan.FromSeconds(90), ["systemctl", "stop", Ingress, Worker]);
        await Inside(TimeSpan.FromSeconds(60), ["timeout", "30", "systemctl", "start", Worker, Ingress]);
        await Post(_generator.ReceivedTexts(5));
        await WaitForLeads(TimeSpan.FromSeconds(60));
        await Inside(TimeSpan.FromSeconds(90), ["systemctl", "stop", Ingress, Worker]);

        var state = await Inside(TimeSpan.FromSeconds(10), ["systemctl", "show", "-P", "ActiveState", Worker, Ingress]);
        var result = await Inside(TimeSpan.FromSeconds(10), ["systemctl", "show", "-P", "Result", Worker, Ingress]);
        var warnings = await Inside(TimeSpan.FromSeconds(30), ["journalctl", "--quiet", "--no-pager", "-p", "warning",
            "--since", since, "-u", Worker, "-u", Ingress]);
        Assert.Multiple(() =>
        {
            Assert.That(Lines(state.Stdout), Is.EqualTo(new[] { "inactive", "inactive" }), "stopped, not failed");
            Assert.That(Lines(result.Stdout), Is.EqualTo(new[] { "success", "success" }));
            Assert.That(warnings.Stdout.Trim(), Is.Empty, "journalctl -p warning over a clean cycle");
        });
    }

    private async Task Post(IEnumerable<Webhook> webhooks)
    {
        foreach (var webhook in webhooks)
        {
            using var request = webhook.ToRequest();
            using var response = await _http!.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
            foreach (var phone in webhook.Events.Select(e => e.Phone).OfType<string>()) _phonesSent.Add(Digits(phone));
        }
    }

    /// <summary>The leads' numbers `leadtracker leads recent --json` prints once it holds every number sent (or the timeout passed).</summary>
    private async Task<HashSet<string>> WaitForLeads(TimeSpan timeout)
    {
        HashSet<string> leads = [];
        await WaitUntil(async () =>
        {
            var cli = await Inside(TimeSpan.FromSeconds(60), ["leadtracker", "leads", "recent", "--json", "--limit", "1000"]);
            using var json = JsonDocument.Parse(cli.Stdout);
            leads = [.. json.RootElement.EnumerateArray().Select(l => Digits(l.GetProperty("phoneE164").GetString() ?? ""))];
            return leads.IsSupersetOf(_phonesSent);
        }, timeout, "the leads sent");
        return leads;
    }

    private async Task<string> MainPid(string unit) =>
        (await Inside(TimeSpan.FromSeconds(10), ["systemctl", "show", "-P", "MainPID", unit])).Stdout.Trim();

    private async Task<bool> ActiveWithNewPid(string unit, string oldPid)
    {
        var active = await Inside(TimeSpan.FromSeconds(10), ["systemctl", "is-active", unit], check: false);
        var pid = await MainPid(unit);
        return active.Stdout.Trim() == "active" && pid != "0" && pid != oldPid;
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {timeout.TotalSeconds:F0} s: {what}");
            await Task.Delay(500);
        }
    }

    /// <summary>A command run as root inside the container; a non-zero exit fails the test unless <paramref name="check"/> is off.</summary>
    private Task<ProgramRun> Inside(TimeSpan timeout, string[] command, bool check = true) =>
        Script(timeout, "scripts/debian-rootfs.sh", ["run", _container, .. command], check);

    private static Task<ProgramRun> Script(TimeSpan timeout, string script, params string[] arguments) =>
        Script(timeout, script, arguments, check: true);

    private static async Task<ProgramRun> Script(TimeSpan timeout, string script, string[] arguments, bool check)
    {
        var run = await ProgramRun.RunAsync("bash", [script, .. arguments], timeout, workingDirectory: RepoPaths.Root);
        if (check && run.ExitCode != 0)
        {
            Assert.Fail($"{script} {string.Join(' ', arguments)} exited {run.ExitCode}:\n{run.Output}");
        }

        return run;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string Digits(string phone) => new([.. phone.Where(char.IsAsciiDigit)]);

    [GeneratedRegex(@"(dist/leadtracker_\S+_amd64\.deb)")]
    private static partial Regex DebPath();

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+(?:\.\d+)?)")]
    private static partial Regex OverallExposure();
}
