
namespace Membership.Web.Infrastructure;

/// <summary>
/// Where the site finds <c>appsettings.json</c>, <c>wwwroot/</c> and <c>EmailTemplates/</c> (and
/// under which relative paths such as <c>App:DataDirectory</c> are resolved). ASP.NET Core's
/// default is the current directory, so <c>dotnet /srv/membership/Membership.Web.dll</c> started
/// from anywhere else ran without its settings, styles and email templates. Here the default is
/// the application's own folder; a build output (what <c>dotnet run</c> and IDEs start) names its
/// project folder in <see cref="BuildMarker"/>, so running from the repository keeps the project
/// folder (and <c>src/Membership.Web/data</c>) as before. An explicit content root always wins:
/// <c>--contentRoot</c>, <c>ASPNETCORE_CONTENTROOT</c> / <c>DOTNET_CONTENTROOT</c>, or the
/// WebApplicationFactory of the tests.
/// </summary>
public static class SiteContentRoot
{
    /// <summary>Written beside the assembly by the build (not by publish): one line, the project folder.</summary>
    public const string BuildMarker = "Membership.Web.contentroot";

    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = IsChosen(args) ? null : Default(AppContext.BaseDirectory),
    };

    /// <summary>The content root when none is chosen: the project folder of a build output, else <paramref name="applicationFolder"/>.</summary>
    public static string Default(string applicationFolder)
    {
        var marker = Path.Combine(applicationFolder, BuildMarker);
        if (File.Exists(marker))
        {
            var project = File.ReadAllText(marker).Trim();
            if (project.Length > 0 && Directory.Exists(project))
            {
                return project;
            }
        }

        return applicationFolder;
    }

    /// <summary>True when the command line or the environment names a content root (read as the host reads them).</summary>
    private static bool IsChosen(string[] args)
    {
        var chosen = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build();
        return !string.IsNullOrWhiteSpace(chosen[HostDefaults.ContentRootKey]);
    }
}
