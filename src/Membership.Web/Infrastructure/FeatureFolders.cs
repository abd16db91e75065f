using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Razor;

namespace Membership.Web.Infrastructure;

/// <summary>
/// Views sit beside their controller: a controller in namespace <c>Membership.Web.Features.Posts</c>
/// finds its views in <c>/Features/Posts/</c> (one in <c>…Features.Posts.Email</c> in
/// <c>/Features/Posts/Email/</c>), then in <c>/Features/Shared/</c>.
/// </summary>
public sealed class FeatureFolders : IViewLocationExpander
{
    private const string Key = "feature";

    public void PopulateValues(ViewLocationExpanderContext context)
    {
        if (context.ActionContext.ActionDescriptor is ControllerActionDescriptor action)
        {
            // Membership.Web.Features.Posts.Email → Posts/Email
            var ns = action.ControllerTypeInfo.Namespace ?? "";
            var at = ns.IndexOf(".Features.", StringComparison.Ordinal);
            context.Values[Key] = at < 0 ? ns[(ns.LastIndexOf('.') + 1)..] : ns[(at + ".Features.".Length)..].Replace('.', '/');
        }
    }

    public IEnumerable<string> ExpandViewLocations(ViewLocationExpanderContext context, IEnumerable<string> viewLocations)
    {
        var feature = context.Values.TryGetValue(Key, out var value) ? value : null;
        return feature is null
            ? viewLocations
            : viewLocations.Select(location => location.Replace("{feature}", feature, StringComparison.Ordinal));
    }
}
