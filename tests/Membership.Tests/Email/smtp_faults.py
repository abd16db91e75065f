"""aiosmtpd handler for the email fault tests: a Maildir mailbox that can refuse recipients
with a permanent 550, drop the connection at the Nth MAIL FROM, and answer a temporary 451 the
first time it sees some recipients.

Run: python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_faults.FaultyMailbox MAILDIR REJECT_PREFIX DROP_AT TEMPFAIL_PREFIX
(a prefix "-" for none; DROP_AT 0 for never.)
"""
from aiosmtpd.handlers import Mailbox


class FaultyMailbox(Mailbox):
    def __init__(self, mail_dir, reject_prefix="-", drop_at="0", tempfail_prefix="-"):
        super().__init__(mail_dir)
        self.tempfail_prefix = "" if tempfail_prefix == "-" else tempfail_prefix.lower()
        self.tempfailed = set()
        self.reject_prefix = "" if reject_prefix == "-" else reject_prefix.lower()
        self.drop_at = int(drop_at)
        self.mails = 0

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.drop_at and self.mails == self.drop_at:
            server.transport.close()
            return "421 4.4.2 Connection dropped by the test server"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_prefix and address.lower().startswith(self.reject_prefix):
            return "550 5.1.1 Mailbox unavailable"
        lowered = address.lower()
        if self.tempfail_prefix and lowered.startswith(self.tempfail_prefix) and lowered not in self.tempfailed:
            self.tempfailed.add(lowered)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"
