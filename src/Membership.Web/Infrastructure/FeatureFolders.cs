using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Razor;

namespace Membership.Web.Infrastructure;

/// <summary>
/// Views sit beside their controller: a controller in namespace <c>Membership.Web.Features.Posts</c>
/// finds its views in <c>/Features/Posts/</c>, then in <c>/Features/Shared/</c>.
/// </summary>
public sealed class FeatureFolders : IViewLocationExpander
{
    private const string Key = "feature";

    public void PopulateValues(ViewLocationExpanderContext context)
    {
        if (context.ActionContext.ActionDescriptor is ControllerActionDescriptor action)
        {
            var ns = action.ControllerTypeInfo.Namespace ?? "";
            context.Values[Key] = ns[(ns.LastIndexOf('.') + 1)..];
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
