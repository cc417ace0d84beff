#!/usr/bin/python3
"""A local SMTP server for the notification tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on the first free port of --ports FIRST-LAST, writes that port to
--port-file once it accepts connections, and writes every message it accepts to --dir as one
JSON file (written to a temporary name, then renamed): the envelope, and the headers as a mail
reader decodes them (RFC 2047 subject) with the text body. Runs until SIGTERM.
"""
import argparse
import email
import email.policy
import json
import os
import signal
import socket
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": str(msg["Message-ID"] or ""),
            "from": str(msg["From"] or ""),
            "to": str(msg["To"] or ""),
            "subject": str(msg["Subject"] or ""),
            "headers": envelope.content.split(b"\r\n\r\n")[0].decode("ascii", "replace"),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset() or "",
            "body": body.get_content() if body is not None else "",
        }
        with self.lock:
            self.count += 1
            name = "%d-%06d" % (os.getpid(), self.count)
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.directory, name + ".json"))
        return "250 OK"


def free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ports", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    first, last = (int(p) for p in a.ports.split("-"))
    os.makedirs(a.dir, exist_ok=True)
    controller = None
    for port in range(first, last + 1):
        if not free(port):
            continue
        try:
            controller = Controller(Sink(a.dir), hostname="127.0.0.1", port=port)
            controller.start()
            break
        except Exception:  # taken between the check and the bind: try the next
            controller = None
    if controller is None:
        raise SystemExit("no free port in " + a.ports)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(controller.port))
    os.rename(tmp, a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.1)
    controller.stop()


if __name__ == "__main__":
    main()
