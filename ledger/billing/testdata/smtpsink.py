"""An SMTP server for billing's mail tests (Debian's python3-aiosmtpd).

    python3 smtpsink.py OUTDIR [TEMPFAIL]

Listens on 127.0.0.1 on a port the system picks, prints the port on one
line once it accepts connections, and saves every message it accepts as
OUTDIR/NNNN.eml (written whole, then renamed). The first TEMPFAIL
messages are refused with 451 (try again later); a recipient at
@invalid.example is refused with 550 (no such mailbox). Stops when its
standard input closes.
"""
import asyncio
import os
import socket
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, outdir, tempfail):
        self.outdir = outdir
        self.tempfail = tempfail
        self.seen = 0
        self.saved = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@invalid.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen <= self.tempfail:
            return "451 4.3.0 try again later"
        self.saved += 1
        path = os.path.join(self.outdir, "%04d.eml" % self.saved)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


async def main():
    outdir = sys.argv[1]
    tempfail = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    handler = Sink(outdir, tempfail)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="sink.test"), sock=sock)
    print(sock.getsockname()[1], flush=True)
    stdin_closed = loop.create_future()
    loop.add_reader(sys.stdin.fileno(), lambda: stdin_closed.done() or (sys.stdin.read(1) == "" and stdin_closed.set_result(None)))
    await stdin_closed
    server.close()


asyncio.run(main())
