namespace Membership.StripeEmulator;

/// <summary>Card numbers the hosted pages accept, with Stripe's test-mode meanings.</summary>
public static class TestCards
{
    /// <summary>Visa that always succeeds.</summary>
    public const string Success = "4242424242424242";

    /// <summary>Mastercard that always succeeds.</summary>
    public const string SuccessMastercard = "5555555555554444";

    /// <summary>Attaches and pays now (checkout), but every later off-session charge (renewals, prorations, retries) is declined.</summary>
    public const string FailsOnRenewal = "4000000000000341";

    /// <summary>Declined at once (<c>card_declined</c> / <c>generic_decline</c>); nothing is created.</summary>
    public const string Declined = "4000000000000002";

    /// <summary>Declined at once (<c>card_declined</c> / <c>insufficient_funds</c>); nothing is created.</summary>
    public const string InsufficientFunds = "4000000000009995";

    internal static CardBehavior Classify(string? number)
    {
        var digits = new string((number ?? "").Where(char.IsDigit).ToArray());
        return digits switch
        {
            Success => new(CardOutcome.Succeeds, "visa", "4242", null),
            SuccessMastercard => new(CardOutcome.Succeeds, "mastercard", "4444", null),
            FailsOnRenewal => new(CardOutcome.FailsOffSession, "visa", "0341", "generic_decline"),
            Declined => new(CardOutcome.Declined, "visa", "0002", "generic_decline"),
            InsufficientFunds => new(CardOutcome.Declined, "visa", "9995", "insufficient_funds"),
            _ => new(CardOutcome.Invalid, "unknown", digits.Length >= 4 ? digits[^4..] : digits, null),
        };
    }
}

internal enum CardOutcome
{
    Succeeds,
    FailsOffSession,
    Declined,
    Invalid,
}

internal sealed record CardBehavior(CardOutcome Outcome, string Brand, string Last4, string? DeclineCode)
{
    public bool Charges(bool onSession) =>
        Outcome == CardOutcome.Succeeds || (Outcome == CardOutcome.FailsOffSession && onSession);

    /// <summary>Throws the card error a hosted page shows when the card cannot even be attached.</summary>
    public void EnsureAttachable()
    {
        switch (Outcome)
        {
            case CardOutcome.Invalid:
                throw Internal.ApiError.Card("Your card number is incorrect. (Emulator test cards: 4242 4242 4242 4242, 4000 0000 0000 0341, 4000 0000 0000 0002.)", "incorrect_number", null, "number");
            case CardOutcome.Declined when DeclineCode == "insufficient_funds":
                throw Internal.ApiError.Card("Your card has insufficient funds.", "card_declined", DeclineCode);
            case CardOutcome.Declined:
                throw Internal.ApiError.Card("Your card was declined.", "card_declined", DeclineCode);
        }
    }
}
