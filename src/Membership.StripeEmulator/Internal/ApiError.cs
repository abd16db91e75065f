using System.Text.Json.Nodes;

namespace Membership.StripeEmulator.Internal;

/// <summary>An error answered with Stripe's envelope: <c>{"error":{"type","message","param","code"}}</c>.</summary>
internal sealed class ApiError : Exception
{
    public ApiError(int status, string type, string message, string? param = null, string? code = null, string? declineCode = null)
        : base(message)
    {
        Status = status;
        Type = type;
        Param = param;
        Code = code;
        DeclineCode = declineCode;
    }

    public int Status { get; }

    public string Type { get; }

    public string? Param { get; }

    public string? Code { get; }

    public string? DeclineCode { get; }

    /// <summary>Extra headers (e.g. <c>Retry-After</c>) to send with the error.</summary>
    public Dictionary<string, string> Headers { get; } = [];

    public static ApiError Invalid(string message, string? param = null, string? code = null) =>
        new(400, "invalid_request_error", message, param, code ?? (param is null ? null : "parameter_invalid"));

    public static ApiError Missing(string param) =>
        new(400, "invalid_request_error", $"Missing required param: {param}.", param, "parameter_missing");

    /// <summary>
    /// Stripe's <c>resource_missing</c>: 404 for the object the URL names (<paramref name="param"/> "id"), 400 for an
    /// id passed as a parameter (e.g. <c>line_items[0][price]</c>) — also when it is an id of another kind.
    /// </summary>
    public static ApiError NoSuch(string kind, string id, string param = "id") =>
        new(param == "id" ? 404 : 400, "invalid_request_error", $"No such {kind}: '{id}'", param, "resource_missing");

    public static ApiError Card(string message, string code, string? declineCode, string? param = null) =>
        new(402, "card_error", message, param, code, declineCode);

    public JsonObject ToJson(string requestId)
    {
        var error = new JsonObject
        {
            ["type"] = Type,
            ["message"] = Message,
        };
        if (Param is not null)
        {
            error["param"] = Param;
        }

        if (Code is not null)
        {
            error["code"] = Code;
            error["doc_url"] = "https://stripe.com/docs/error-codes/" + Code.Replace('_', '-');
        }

        if (DeclineCode is not null)
        {
            error["decline_code"] = DeclineCode;
        }

        error["request_log_url"] = "emulator://requests/" + requestId;
        return new JsonObject { ["error"] = error };
    }
}
