using System.Text.Encodings.Web;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// The account emails (confirm, magic link, password reset): a short text and the same in
/// simple, inline-styled HTML that mail clients render.
/// </summary>
public sealed class EmailTemplates
{
    private readonly HtmlEncoder _html = HtmlEncoder.Default;

    public EmailMessage ConfirmEmail(string to, string name, string link) => Action(
        to,
        "Confirm your email",
        $"Hi {name},",
        "Confirm your email address to finish creating your Membership account.",
        "Confirm my email",
        link,
        "If you did not sign up, ignore this email: nothing happens without the click.");

    public EmailMessage MagicLink(string to, string name, string link, int minutes) => Action(
        to,
        "Your sign-in link",
        $"Hi {name},",
        $"Use this link to sign in. It works once, for {minutes} minutes.",
        "Sign in",
        link,
        "If you did not ask to sign in, ignore this email: your account stays as it is.");

    public EmailMessage PasswordReset(string to, string name, string link) => Action(
        to,
        "Reset your password",
        $"Hi {name},",
        "Someone (we hope you) asked to reset the password of your Membership account.",
        "Choose a new password",
        link,
        "If it was not you, ignore this email: your password stays as it is.");

    private EmailMessage Action(string to, string subject, string greeting, string lead, string button, string link, string footer)
    {
        var text = $"{greeting}\n\n{lead}\n\n{button}: {link}\n\n{footer}\n";
        var html = $"""
            <!DOCTYPE html>
            <html><body style="font-family:Helvetica,Arial,sans-serif;color:#1f2933;max-width:560px;margin:0 auto;padding:24px">
            <p>{_html.Encode(greeting)}</p>
            <p>{_html.Encode(lead)}</p>
            <p><a href="{_html.Encode(link)}" style="display:inline-block;background:#5b3cc4;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none">{_html.Encode(button)}</a></p>
            <p style="font-size:13px;color:#52606d">Or paste this address into your browser:<br>{_html.Encode(link)}</p>
            <p style="font-size:13px;color:#52606d">{_html.Encode(footer)}</p>
            </body></html>
            """;
        return new EmailMessage(to, subject, text, html);
    }
}
