using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Membership.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Membership.Tests.Deployment;

/// <summary>
/// The container and cluster files in infra/ (no container engine runs here, so they are read,
/// not run): they parse, every setting they pass to the site is one appsettings.template.json
/// explains, and their health checks ask the paths and the port the site serves.
/// </summary>
public sealed partial class DeploymentFilesTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    private const int SitePort = 8080;
    private static readonly string[] ServedHealthPaths = ["/healthz", "/healthz/ready"];

    [Fact]
    public void Compose_ParsesAndPassesOnlyTemplateSettings_HealthChecksMatchTheSite()
    {
        var compose = LoadYaml("infra/docker-compose.yml").Single();
        var services = (YamlMappingNode)compose["services"];
        var ours = services.Children.Where(s => Merged((YamlMappingNode)s.Value).GetValueOrDefault("image")?.ToString() == "membership:latest").ToList();
        Assert.Equal(["web1", "web2", "worker", "migrate"], ours.Select(s => s.Key.ToString()));
        Assert.Contains(services.Children, s => Scalar((YamlMappingNode)s.Value, "image")?.StartsWith("mcr.microsoft.com/mssql/server:2022", StringComparison.Ordinal) == true);

        var roles = new Dictionary<string, string?>();
        foreach (var (name, node) in ours.Select(s => (s.Key.ToString(), (YamlMappingNode)s.Value)))
        {
            var environment = Merged((YamlMappingNode)Merged(node)["environment"]);
            Assert.NotEmpty(environment);
            AssertTemplateSettings(environment.Keys, $"compose service {name}");
            roles[name] = environment.GetValueOrDefault("Jobs__RunWorkers")?.ToString();
            if (name != "migrate")
            {
                var check = string.Join(' ', ((YamlSequenceNode)((YamlMappingNode)Merged(node)["healthcheck"])["test"]).Children.Select(c => c.ToString()));
                AssertProbe(check, $"compose service {name}");
            }
        }

        Assert.Equal(("false", "false", "true"), (roles["web1"], roles["web2"], roles["worker"]));
    }

    [Fact]
    public void Kubernetes_ParsesAndPassesOnlyTemplateSettings_ProbesMatchTheSite()
    {
        var documents = Directory.GetFiles(Path.Combine(RepositoryRoot, "infra", "k8s"), "*.yaml").Order()
            .SelectMany(file => LoadYaml(Path.GetRelativePath(RepositoryRoot, file)).Select(d => (File: Path.GetFileName(file), Document: d)))
            .ToList();
        var kinds = documents.Select(d => $"{Scalar(d.Document, "kind")}/{Scalar((YamlMappingNode)d.Document["metadata"], "name")}").ToList();
        Assert.Equal(
            ["ConfigMap/membership-config", "Secret/membership-secrets", "Job/membership-migrate", "Deployment/membership-web", "Service/membership-web",
             "Ingress/membership", "HorizontalPodAutoscaler/membership-web", "PersistentVolumeClaim/membership-uploads", "Deployment/membership-worker"],
            kinds);

        foreach (var (file, document) in documents)
        {
            switch (Scalar(document, "kind"))
            {
                case "ConfigMap":
                    AssertTemplateSettings(((YamlMappingNode)document["data"]).Children.Keys.Select(k => k.ToString()), file);
                    break;
                case "Secret":
                    AssertTemplateSettings(((YamlMappingNode)document["stringData"]).Children.Keys.Select(k => k.ToString()), file);
                    break;
                case "Deployment" or "Job":
                    var pod = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)document["spec"])["template"])["spec"];
                    foreach (YamlMappingNode container in ((YamlSequenceNode)pod["containers"]).Children.Cast<YamlMappingNode>())
                    {
                        Assert.Equal("membership:latest", Scalar(container, "image"));
                        var envFrom = ((YamlSequenceNode)container["envFrom"]).Children.Cast<YamlMappingNode>()
                            .Select(e => Scalar((YamlMappingNode)e.Children.Values.Single(), "name")).ToList();
                        Assert.Equal(["membership-config", "membership-secrets"], envFrom);
                        if (container.Children.TryGetValue("env", out var env))
                        {
                            AssertTemplateSettings(((YamlSequenceNode)env).Children.Cast<YamlMappingNode>().Select(e => Scalar(e, "name")!), file);
                        }

                        if (Scalar(document, "kind") == "Deployment")
                        {
                            Assert.Equal(SitePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                                Scalar((YamlMappingNode)((YamlSequenceNode)container["ports"]).Children[0], "containerPort"));
                            foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
                            {
                                var get = (YamlMappingNode)((YamlMappingNode)container[probe])["httpGet"];
                                AssertProbe($"127.0.0.1/{Scalar(get, "port")} GET {Scalar(get, "path")} ", $"{file} {probe}");
                            }

                            Assert.Equal("/healthz", Scalar((YamlMappingNode)((YamlMappingNode)container["livenessProbe"])["httpGet"], "path"));
                        }
                    }

                    break;
                case "Service":
                    var port = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)document["spec"])["ports"]).Children[0];
                    Assert.Equal(SitePort.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(port, "targetPort"));
                    break;
            }
        }
    }

    [Fact]
    public void Dockerfile_ExposesTheSitePort_ChecksAServedPath_RunsAsNonRoot()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot, "infra", "Dockerfile"));

        Assert.Contains($"EXPOSE {SitePort}", dockerfile);
        Assert.Matches(@"(?m)^USER \$APP_UID$", dockerfile);
        var healthCheck = dockerfile[dockerfile.IndexOf("HEALTHCHECK", StringComparison.Ordinal)..];
        AssertProbe(healthCheck[..healthCheck.IndexOf('\n', healthCheck.IndexOf("CMD", StringComparison.Ordinal))], "Dockerfile");
    }

    [Fact]
    public void DockerIgnore_KeepsLocalDataAndBuildsOut_AndEverythingTheDockerfileCopiesIn()
    {
        var patterns = File.ReadAllLines(Path.Combine(RepositoryRoot, "infra", "Dockerfile.dockerignore"))
            .Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        var sources = File.ReadAllLines(Path.Combine(RepositoryRoot, "infra", "Dockerfile"))
            .Where(line => line.StartsWith("COPY ", StringComparison.Ordinal) && !line.Contains("--from", StringComparison.Ordinal))
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            .ToList();

        Assert.Contains("src/", sources);
        foreach (var source in sources)
        {
            Assert.True(File.Exists(Path.Combine(RepositoryRoot, source)) || Directory.Exists(Path.Combine(RepositoryRoot, source)), $"the Dockerfile copies {source}, which is not in the repository");
            Assert.DoesNotContain(patterns, pattern => pattern.TrimEnd('/') == source.TrimEnd('/') || pattern is "*" or "**" or "src" or "src/");
        }

        foreach (var kept in new[] { "src/Membership.Web/data/", "**/bin/", "**/obj/", "**/appsettings.Local.json", ".git/" })
        {
            Assert.Contains(kept, patterns);
        }
    }

    [Fact]
    public async Task ProbePaths_TheSiteServesThem()
    {
        using var client = site.CreateClient();
        foreach (var path in ServedHealthPaths)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        }
    }

    /// <summary>A health check names the site's port (8080) and one of the paths it serves.</summary>
    private static void AssertProbe(string check, string where)
    {
        var port = ProbePort().Match(check);
        Assert.True(port.Success, $"{where}: no port in '{check}'");
        Assert.Equal(SitePort, int.Parse(port.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var path = ProbePath().Match(check);
        Assert.True(path.Success, $"{where}: no /healthz path in '{check}'");
        Assert.Contains(path.Groups[1].Value, ServedHealthPaths);
    }

    /// <summary>Every name (":" written "__", list items "__0") is a setting the template explains.</summary>
    private static void AssertTemplateSettings(IEnumerable<string> names, string where)
    {
        var settings = TemplateSettings.Value;
        foreach (var name in names)
        {
            var path = string.Join(':', name.Split("__").Where(part => !part.All(char.IsAsciiDigit)));
            Assert.True(settings.Contains(path), $"{where} passes {name}, which appsettings.template.json does not have");
        }
    }

    private static readonly Lazy<HashSet<string>> TemplateSettings = new(() =>
    {
        using var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "appsettings.template.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var settings = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Walk(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}:{property.Name}");
                }
            }
            else
            {
                settings.Add(path);
            }
        }

        Walk(template.RootElement, "");
        return settings;
    });

    private static List<YamlMappingNode> LoadYaml(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryRoot, relativePath));
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    /// <summary>A mapping with its YAML merge keys ("&lt;&lt;: *anchor") applied, own keys winning.</summary>
    private static Dictionary<string, YamlNode> Merged(YamlMappingNode node)
    {
        var merged = new Dictionary<string, YamlNode>();
        if (node.Children.TryGetValue("<<", out var parent))
        {
            foreach (var (key, value) in Merged((YamlMappingNode)parent))
            {
                merged[key] = value;
            }
        }

        foreach (var (key, value) in node.Children.Where(c => c.Key.ToString() != "<<"))
        {
            merged[key.ToString()] = value;
        }

        return merged;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Membership.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("Membership.sln not found above the test binaries.");
        }
    }

    [GeneratedRegex(@"(?:127\.0\.0\.1|localhost)/(\d+)\b")]
    private static partial Regex ProbePort();

    [GeneratedRegex(@"GET (/healthz(?:/ready)?) ")]
    private static partial Regex ProbePath();
}
