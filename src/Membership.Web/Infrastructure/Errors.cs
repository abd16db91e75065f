using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Membership.Web.Infrastructure;

/// <summary>
/// Validation failures a handler found, by form field ("" for the whole form). A handler
/// that returns any writes nothing; the controller shows them next to the fields.
/// </summary>
public sealed class Errors
{
    private readonly List<(string Field, string Message)> _items = [];

    public bool Any => _items.Count > 0;

    public IReadOnlyList<(string Field, string Message)> Items => _items;

    public Errors Add(string field, string message)
    {
        _items.Add((field, message));
        return this;
    }

    /// <summary>Adds the errors to the form's model state; <paramref name="prefix"/> is the form model's name in the view ("Form").</summary>
    public void CopyTo(ModelStateDictionary modelState, string prefix = "")
    {
        foreach (var (field, message) in _items)
        {
            modelState.AddModelError(field.Length == 0 || prefix.Length == 0 ? field : $"{prefix}.{field}", message);
        }
    }

    public static Errors None => new();
}
