using System.Diagnostics;
using System.Globalization;
using System.Net;
using Membership.Data.Entities;
using Membership.ScaleTest;
using Membership.Web.Domain;
using Membership.Web.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Npgsql;

// The multi-node test (infra/scale-test.sh): PostgreSQL, an SMTP sink and three site processes on
// loopback — two run Hangfire workers, one serves web requests only. A creator signed in on one
// node publishes a members-only post to N followers through another; the worker sending it is
// killed with SIGKILL mid-delivery; the test then checks every follower got the post once (or
// within the documented duplicate window), the recurring jobs ran once per schedule, and sign-in
// cookies work on every node. Prints its figures and one PASS/FAIL line per check.
ScaleOptions options;
try
{
    options = ScaleOptions.Parse(args);
}
catch (ArgumentException error)
{
    Console.Error.WriteLine(error.Message);
    return 2;
}

var checks = new Checks();
var figures = new List<(string Name, string Value)>();
var clock = Stopwatch.StartNew();
var deadline = DateTime.UtcNow.AddSeconds(options.TimeoutSeconds);
Directory.CreateDirectory(options.WorkDir);
var databaseName = "membership_scale_" + Guid.NewGuid().ToString("N")[..8];
var connectionString = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = databaseName, Pooling = true }.ConnectionString;
var children = new List<ChildProcess>();
try
{
    await ExecuteOnServerAsync($"CREATE DATABASE {databaseName}");

    // The SMTP sink: aiosmtpd writing every accepted message to a Maildir.
    var smtpPort = ChildProcess.FreePort();
    var maildir = Path.Combine(options.WorkDir, "maildir");
    var sink = ChildProcess.Start("smtp-sink", "/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{smtpPort}", "-c", "aiosmtpd.handlers.Mailbox", maildir],
        new Dictionary<string, string>(), Path.Combine(options.WorkDir, "smtp-sink.log"));
    children.Add(sink);
    await sink.WaitForPortAsync(smtpPort, TimeSpan.FromSeconds(30));

    var ports = new[] { ChildProcess.FreePort(), ChildProcess.FreePort(), ChildProcess.FreePort() };
    var nodes = ports.Select(p => new Uri($"http://127.0.0.1:{p}")).ToArray();
    Dictionary<string, string> Settings(int node, bool runWorkers) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_URLS"] = nodes[node].ToString().TrimEnd('/'),
        ["DOTNET_gcServer"] = "0",
        // Links in emails point at one public address, as behind a load balancer.
        ["App__BaseUrl"] = nodes[0].ToString().TrimEnd('/'),
        ["App__DataDirectory"] = Path.Combine(options.WorkDir, $"node{node + 1}"),
        ["Database__Provider"] = "PostgreSql",
        ["Database__ConnectionString"] = connectionString,
        ["Database__MigrateOnStartup"] = "false",
        ["Jobs__Storage"] = "Database",
        // Three nodes on one machine: each emulator on a free port.
        ["Stripe__EmulatorPort"] = "0",
        ["Jobs__RunWorkers"] = runWorkers ? "true" : "false",
        ["Security__RequireHttps"] = "false",
        ["Security__AuthRateLimitPermits"] = "1000",
        ["Email__Smtp__Host"] = "127.0.0.1",
        ["Email__Smtp__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Email__Smtp__Security"] = "None",
        ["Email__Smtp__Connections"] = options.Connections.ToString(CultureInfo.InvariantCulture),
        // Short time-outs and lease, so a dead sender's recipients are freed within the test's bounds
        // (the lease must outlast the slowest send: 4 tries x 3 commands x 3 s, plus back-off).
        ["Email__Smtp__TimeoutSeconds"] = "3",
        ["Email__Delivery__RetryDelayMilliseconds"] = "200",
        ["Email__Delivery__LeaseSeconds"] = "90",
    };

    var dll = Path.Combine(options.PublishDir, "Membership.Web.dll");
    var step = Stopwatch.StartNew();
    await using (var migrate = ChildProcess.Start("migrate", "dotnet", [dll, "migrate"], Settings(0, false), Path.Combine(options.WorkDir, "migrate.log"), options.PublishDir))
    {
        await WaitForExitAsync(migrate, TimeSpan.FromMinutes(3));
    }

    figures.Add(("migrate (one-shot, as the cluster's migration job)", Seconds(step.Elapsed)));

    step.Restart();
    await Seed.AddCreatorAndFollowersAsync(connectionString, options.Members);
    figures.Add(($"seed {options.Members:N0} followers", Seconds(step.Elapsed)));

    // Three nodes started together: node 1 and 2 run workers, node 3 serves the web only.
    step.Restart();
    var roles = new[] { true, true, false };
    var processes = new ChildProcess[3];
    for (var i = 0; i < 3; i++)
    {
        processes[i] = ChildProcess.Start($"node{i + 1}", "dotnet", [dll], Settings(i, roles[i]), Path.Combine(options.WorkDir, $"node{i + 1}.log"), options.PublishDir);
        children.Add(processes[i]);
    }

    for (var i = 0; i < 3; i++)
    {
        await WaitUntilReadyAsync(processes[i], nodes[i], TimeSpan.FromMinutes(2));
    }

    figures.Add(("three nodes ready", Seconds(step.Elapsed)));
    await using (var keysDb = Seed.Open(connectionString))
    {
        // Nodes that each made a key at start read each other's cookies only after a key-ring refresh.
        var keys = await keysDb.DataProtectionKeys.CountAsync();
        checks.Add("the three nodes share one data-protection key (made by migrate)", keys == 1, $"{keys} key(s) in the database");
    }

    // The creator signs in on the web-only node; the same cookie works on a worker node, and a
    // form read on one node is accepted by another (shared data-protection keys).
    using var creator = new Visitor();
    await creator.SignInAsync(nodes[2], Seed.CreatorEmail, Seed.Password);
    var (postsStatus, _, postsLocation) = await creator.GetAsync(new Uri(nodes[0], "/creator/posts"));
    checks.Add("creator signed in on node 3 is signed in on node 1", postsStatus == HttpStatusCode.OK, $"GET /creator/posts on node 1: {(int)postsStatus} {postsLocation}");

    var marker = "Below the cut " + Guid.NewGuid().ToString("N")[..10];
    var title = "Scale test post " + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
    step.Restart();
    var (publishStatus, publishLocation, publishBody) = await creator.SubmitAsync(
        new Uri(nodes[2], "/creator/posts/new"),
        new Uri(nodes[0], "/creator/posts/new"),
        [
            new("Form.Title", title),
            new("Form.Excerpt", "Ten thousand inboxes, three nodes, one post."),
            new("Form.Body", $"The public teaser of the scale test.\n\n{PostRenderer.Cut}\n\n{marker}: only members read this.\n"),
            new("Form.Access", nameof(PostAccess.Members)),
            new("Form.EmailOnPublish", "true"),
            new("Form.Intent", nameof(PostIntent.Publish)),
        ]);
    var publishTime = step.Elapsed;
    if (publishStatus != HttpStatusCode.Redirect || publishLocation is null || !publishLocation.StartsWith("/creator/posts/", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"Publishing (form from node 3, posted to node 1) answered {(int)publishStatus} {publishLocation}: {Visitor.Excerpt(publishBody)}");
    }

    figures.Add(($"publish and record {options.Members:N0} recipients (one request)", Millis(publishTime)));

    await using var db = Seed.Open(connectionString);
    var post = await db.Posts.AsNoTracking().SingleAsync(p => p.Title == title);
    var delivery = await db.EmailDeliveries.AsNoTracking().SingleAsync(d => d.PostId == post.Id);
    var recipients = await db.EmailRecipients.CountAsync(r => r.DeliveryId == delivery.Id);
    checks.Add("every follower recorded as a recipient before sending", recipients == options.Members, $"{recipients:N0} recipient rows");

    // Kill the worker node that holds the claims once a fifth of the post is sent.
    var sendClock = Stopwatch.StartNew();
    ChildProcess? killed = null;
    var sentAtKill = 0;
    TimeSpan killedAt = default;
    while (killed is null)
    {
        Bounded(deadline, "waiting for the delivery to start");
        var sent = await db.EmailRecipients.CountAsync(r => r.DeliveryId == delivery.Id && r.Status == RecipientStatus.Sent);
        if (sent >= options.Members / 5)
        {
            var now = DateTime.UtcNow;
            var holders = await db.EmailRecipients
                .Where(r => r.DeliveryId == delivery.Id && r.Status == RecipientStatus.Pending && r.ClaimedUntil > now && r.ClaimedBy != null)
                .GroupBy(r => r.ClaimedBy!).Select(g => new { Worker = g.Key, Rows = g.Count() })
                .ToListAsync();
            var holder = holders
                .Select(h => (Pid: ProcessIdOf(h.Worker), h.Rows))
                .GroupBy(h => h.Pid).Select(g => (Pid: g.Key, Rows: g.Sum(x => x.Rows)))
                .OrderByDescending(h => h.Rows).FirstOrDefault();
            if (sent >= options.Members)
            {
                throw new InvalidOperationException("The delivery finished before a worker could be killed; use more --members.");
            }

            if (holder.Pid != 0)
            {
                killed = processes.SingleOrDefault(p => p.Id == holder.Pid)
                    ?? throw new InvalidOperationException($"Recipients are claimed by process {holder.Pid}, which is not a node of this test.");
                if (killed == processes[2])
                {
                    throw new InvalidOperationException("The web-only node (Jobs:RunWorkers=false) is sending: it must not run jobs.");
                }

                killed.KillHard();
                killedAt = sendClock.Elapsed;
                sentAtKill = sent;
                break;
            }
        }

        await Task.Delay(50);
    }

    figures.Add(($"{killed.Name} killed (SIGKILL) mid-delivery", $"after {Seconds(killedAt)}, {sentAtKill:N0} of {options.Members:N0} sent"));
    var survivor = killed == processes[0] ? 1 : 0;

    // The rest: the surviving worker's minutely sweep finds the dead sender's expired claims.
    var lastReport = Stopwatch.StartNew();
    while (await db.EmailRecipients.AnyAsync(r => r.DeliveryId == delivery.Id && r.Status == RecipientStatus.Pending))
    {
        Bounded(deadline, "waiting for the rest of the delivery");
        if (lastReport.Elapsed > TimeSpan.FromSeconds(15))
        {
            var pending = await db.EmailRecipients.CountAsync(r => r.DeliveryId == delivery.Id && r.Status == RecipientStatus.Pending);
            Console.WriteLine($"  {sendClock.Elapsed.TotalSeconds:0} s: {pending:N0} recipients pending");
            lastReport.Restart();
        }

        await Task.Delay(250);
    }

    var deliveredIn = sendClock.Elapsed;
    figures.Add(("all recipients settled after the kill", $"{Seconds(deliveredIn - killedAt)} (lease 90 s + the minutely sweep)"));
    var byStatus = await db.EmailRecipients.Where(r => r.DeliveryId == delivery.Id)
        .GroupBy(r => r.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Status, g => g.Count);
    checks.Add("every recipient marked sent, none failed", byStatus.GetValueOrDefault(RecipientStatus.Sent) == options.Members && byStatus.Count == 1,
        string.Join(", ", byStatus.Select(s => $"{s.Key} {s.Value:N0}")));

    // What the SMTP server received, read back from the Maildir.
    var inbox = Mailbox.Read(maildir);
    var expected = Enumerable.Range(0, options.Members).Select(Seed.Fan).ToHashSet(StringComparer.OrdinalIgnoreCase);
    var missing = expected.Where(a => !inbox.CopiesByAddress.ContainsKey(a)).ToList();
    var strangers = inbox.CopiesByAddress.Keys.Where(a => !expected.Contains(a)).ToList();
    var extraCopies = inbox.CopiesByAddress.Values.Sum(c => c - 1);
    checks.Add("every follower received the post", missing.Count == 0, $"{inbox.Messages:N0} messages; missing {missing.Count} {string.Join(" ", missing.Take(5))}");
    checks.Add("nobody else received it", strangers.Count == 0, string.Join(" ", strangers.Take(5)));
    // The documented window: a sender killed between the server's "250 accepted" and its UPDATE
    // sends that message again; at most one per connection of the killed sender.
    checks.Add($"duplicates within the documented window (at most {options.Connections}, one per connection)", extraCopies <= options.Connections,
        $"{extraCopies} recipient(s) got a second copy");
    checks.Add("every message carries a one-click unsubscribe link of its recipient's own", inbox.WithoutUnsubscribe == 0 && inbox.SharedUnsubscribeLinks == 0,
        $"{inbox.WithoutUnsubscribe} without List-Unsubscribe; {inbox.SharedUnsubscribeLinks} links shared by two addresses");
    figures.Add(("duplicate copies", extraCopies.ToString(CultureInfo.InvariantCulture)));
    figures.Add(("end to end, publish to last recipient (incl. the kill and recovery)", Seconds(publishTime + deliveredIn)));
    var firstRate = sentAtKill / Math.Max(0.001, killedAt.TotalSeconds);
    figures.Add(("send rate before the kill", $"{firstRate:N0} msg/s over {options.Connections} connections"));

    // A fan signed in on the web-only node reads the members-only post on the surviving worker;
    // an anonymous visitor there gets the teaser only.
    using var fan = new Visitor();
    await fan.SignInAsync(nodes[2], Seed.FanEmail, Seed.Password);
    var postUrl = new Uri(nodes[survivor], $"/{Seed.Handle}/posts/{post.Slug}");
    var (fanStatus, fanBody, _) = await fan.GetAsync(postUrl);
    checks.Add("fan signed in on node 3 reads the members-only post on another node", fanStatus == HttpStatusCode.OK && fanBody.Contains(marker, StringComparison.Ordinal),
        $"{(int)fanStatus}, full text {(fanBody.Contains(marker, StringComparison.Ordinal) ? "shown" : "missing")}");
    using var anonymous = new Visitor();
    var (anonymousStatus, anonymousBody, _) = await anonymous.GetAsync(postUrl);
    checks.Add("anonymous visitor gets the teaser only", anonymousStatus == HttpStatusCode.OK && !anonymousBody.Contains(marker, StringComparison.Ordinal),
        $"{(int)anonymousStatus}");
    var (afterStatus, _, afterLocation) = await creator.GetAsync(new Uri(nodes[survivor], "/creator/posts"));
    checks.Add("creator still signed in on the surviving worker after the kill", afterStatus == HttpStatusCode.OK, $"{(int)afterStatus} {afterLocation}");

    // Recurring jobs: one occurrence per schedule tick across both workers (Hangfire's shared storage).
    var ticks = await RecurringJobs.ReadAsync(connectionString);
    var resumeTicks = ticks.Where(t => t.RecurringJobId == "email:resume-deliveries").OrderBy(t => t.Minute).ToList();
    var doubled = ticks.Where(t => t.Jobs > 1).ToList();
    var gaps = ticks.GroupBy(t => t.RecurringJobId)
        .SelectMany(g => g.OrderBy(t => t.Minute).Zip(g.OrderBy(t => t.Minute).Skip(1), (a, b) => (g.Key, a.Minute, Next: b.Minute)))
        .Where(p => p.Next - p.Minute > TimeSpan.FromMinutes(1)).ToList();
    checks.Add("minutely jobs ran in at least two schedule ticks", resumeTicks.Count >= 2, $"{resumeTicks.Count} ticks of email:resume-deliveries");
    checks.Add("each recurring job created once per tick", doubled.Count == 0,
        doubled.Count == 0 ? $"{ticks.Count} ticks of {ticks.Select(t => t.RecurringJobId).Distinct().Count()} recurring jobs" : string.Join("; ", doubled.Select(d => $"{d.RecurringJobId} {d.Minute:HH:mm} x{d.Jobs}")));
    checks.Add("no tick missed while a worker was dead", gaps.Count == 0, string.Join("; ", gaps.Select(g => $"{g.Key} {g.Minute:HH:mm}->{g.Next:HH:mm}")));
    var succeededTwice = await RecurringJobs.JobsSucceededTwiceAsync(connectionString);
    checks.Add("no job succeeded twice", succeededTwice == 0, $"{succeededTwice} jobs");
}
catch (Exception error)
{
    checks.Add("scale test ran to the end", false, error.Message);
}
finally
{
    foreach (var child in children)
    {
        await child.DisposeAsync();
    }

    try
    {
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
    }
    catch (NpgsqlException)
    {
        // A throwaway server; the database goes with it.
    }
}

Console.WriteLine();
Console.WriteLine($"Scale test: {options.Members:N0} followers, 3 nodes (2 workers, 1 web-only), PostgreSQL, {options.Connections} SMTP connections, {clock.Elapsed.TotalSeconds:0} s in all");
foreach (var (name, value) in figures)
{
    Console.WriteLine($"  {name,-72} {value}");
}

Console.WriteLine();
checks.Print();
Console.WriteLine($"Logs: {options.WorkDir}");
return checks.AllPassed ? 0 : 1;

async Task ExecuteOnServerAsync(string sql)
{
    var admin = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = "postgres", Pooling = false };
    await using var connection = new NpgsqlConnection(admin.ConnectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static async Task WaitForExitAsync(ChildProcess process, TimeSpan limit)
{
    var until = DateTime.UtcNow + limit;
    while (!process.HasExited)
    {
        if (DateTime.UtcNow > until)
        {
            throw new TimeoutException($"{process.Name} did not finish within {limit.TotalSeconds:0} s.");
        }

        await Task.Delay(100);
    }
}

static async Task WaitUntilReadyAsync(ChildProcess process, Uri node, TimeSpan limit)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    var until = DateTime.UtcNow + limit;
    while (DateTime.UtcNow < until)
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException($"{process.Name} exited while starting; see its log.");
        }

        try
        {
            using var response = await http.GetAsync(new Uri(node, "/healthz/ready"));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }
        catch (TaskCanceledException)
        {
        }

        await Task.Delay(200);
    }

    throw new TimeoutException($"{process.Name} was not ready within {limit.TotalSeconds:0} s.");
}

// "host:pid/run/connection" (PostDeliverySender's claim name).
static int ProcessIdOf(string worker)
{
    var host = worker.Split('/')[0];
    var colon = host.LastIndexOf(':');
    return colon >= 0 && int.TryParse(host[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0;
}

static void Bounded(DateTime deadline, string what)
{
    if (DateTime.UtcNow > deadline)
    {
        throw new TimeoutException($"Time limit reached {what}.");
    }
}

static string Seconds(TimeSpan elapsed) => $"{elapsed.TotalSeconds:0.0} s";

static string Millis(TimeSpan elapsed) => $"{elapsed.TotalMilliseconds:N0} ms";
