#!/usr/bin/python3
"""An SMTP server for the mailer's tests (tests/unit/notify/smtp_mailer_test.cc), on Debian's aiosmtpd.

Listens on 127.0.0.1 on a port the kernel chooses and writes that port to --port-file once it
listens. Every message it takes becomes, in --dir, N.eml (as received) and, decoded by Python's
email package, N.subject, N.from, N.to, N.text, N.html (UTF-8), N.types (each part's content type,
one a line) and N.meta (envelope sender, recipients, whether TLS was on, who authenticated). Every
AUTH attempt appends its login to auth_attempts. Replies "queued as QN" to the message N.

--reject-rcpt ADDR answers RCPT TO:<ADDR> with 550, --tempfail-rcpt ADDR with 451. --auth USER:PASS
is the one login accepted (none without it); --require-auth refuses mail before AUTH. --tls CERT KEY
with --starttls offers (and requires) STARTTLS, with --implicit-tls speaks TLS from the first byte.
"""

import argparse
import asyncio
import email
import email.policy
import os
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--reject-rcpt")
    parser.add_argument("--tempfail-rcpt")
    parser.add_argument("--auth")
    parser.add_argument("--require-auth", action="store_true")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--starttls", action="store_true")
    mode.add_argument("--implicit-tls", action="store_true")
    return parser.parse_args()


def write(path, data):
    with open(path, "wb") as out:
        out.write(data if isinstance(data, bytes) else data.encode("utf-8"))


class Sink:
    def __init__(self, arguments):
        self.arguments = arguments
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.arguments.reject_rcpt:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address == self.arguments.tempfail_rcpt:
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.arguments.dir, str(self.count))
        raw = envelope.original_content or envelope.content
        write(base + ".eml", raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        write(base + ".subject", str(message["subject"]))
        write(base + ".from", str(message["from"]))
        write(base + ".to", str(message["to"]))
        write(base + ".types", "".join(part.get_content_type() + "\n" for part in message.walk()))
        for kind in ("plain", "html"):
            part = message.get_body(preferencelist=(kind,))
            if part is not None and part.get_content_type() == "text/" + kind:
                write(base + (".text" if kind == "plain" else ".html"), part.get_content())
        tls = server.transport.get_extra_info("ssl_object") is not None
        login = session.auth_data.login.decode() if session.authenticated else "-"
        write(base + ".meta",
              f"mail_from: {envelope.mail_from}\n"
              f"rcpt: {' '.join(envelope.rcpt_tos)}\n"
              f"tls: {'yes' if tls else 'no'}\n"
              f"auth: {login}\n")
        return f"250 2.0.0 Ok: queued as Q{self.count}"


def authenticator_for(arguments):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        with open(os.path.join(arguments.dir, "auth_attempts"), "a") as attempts:
            attempts.write(auth_data.login.decode(errors="replace") + "\n")
        given = auth_data.login + b":" + auth_data.password
        accepted = arguments.auth is not None and given == arguments.auth.encode()
        return AuthResult(success=accepted, handled=False, auth_data=auth_data)
    return authenticate


async def serve(arguments):
    context = None
    if arguments.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*arguments.tls)
    loop = asyncio.get_running_loop()
    handler = Sink(arguments)

    def protocol():
        return SMTP(handler,
                    hostname="sink.test",
                    tls_context=context if arguments.starttls else None,
                    require_starttls=arguments.starttls,
                    authenticator=authenticator_for(arguments),
                    auth_required=arguments.require_auth,
                    auth_require_tls=False,
                    loop=loop)

    server = await loop.create_server(protocol, "127.0.0.1", 0,
                                      ssl=context if arguments.implicit_tls else None)
    port = server.sockets[0].getsockname()[1]
    write(arguments.port_file + ".tmp", str(port))
    os.rename(arguments.port_file + ".tmp", arguments.port_file)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(parse_arguments()))
