#!/usr/bin/env python3
"""A NymBridge service provider in the Python standard library: it answers every message with an echo.

The bridge POSTs each inbound message here, signed as the Standard Webhooks specification says; this
handler checks the signature and answers {"message": "echo: <text>"}, which the bridge sends back to the
anonymous sender as a reply (through the sender's reply SURBs).

    WEBHOOK_SECRET=whsec_... python3 provider.py [PORT]        # PORT or $PORT, default 8000

Status codes: 401 for a missing or wrong signature or a timestamp more than five minutes off, 400 for a
body that is not JSON, 200 with the echo (JSON for text, the raw bytes as octet-stream for binary), 204 (no reply) for an event with nothing to answer.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 64 * 1024 * 1024


def secret_bytes(secret):
    """The HMAC key: the base64-decoded part after whsec_."""
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    key = base64.b64decode(secret, validate=True)
    if not key:
        raise ValueError("the secret is empty")
    return key


def sign(key, webhook_id, timestamp, body):
    """v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>, over the bytes as received."""
    signed = webhook_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(key, headers, body, now=None):
    """True when one of the space-separated v1 signatures matches and the timestamp is within five minutes."""
    webhook_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not webhook_id or not timestamp or not signatures:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        return False  # a replay of an old delivery, or a clock far off
    expected = sign(key, webhook_id, timestamp, body).encode()
    # Several signatures while a secret is rotated: any one that matches is enough.
    return any(hmac.compare_digest(expected, candidate.encode()) for candidate in signatures.split(" ") if candidate)


def echo_of(event):
    """The reply to one event as (content type, body), or None when there is nothing to answer."""
    if event.get("type") != "message.received":
        return None
    data = event.get("data") or {}
    if not data.get("senderTag"):
        return None  # a plain (non-anonymous) send carries no reply SURBs: nobody to answer
    text = data.get("message")
    if text is not None:
        return "application/json", json.dumps({"message": "echo: " + text}).encode()
    # Not UTF-8 text: the payload is only in messageBase64; answer raw bytes, the body is the reply.
    return "application/octet-stream", b"echo: " + base64.b64decode(data.get("messageBase64") or "")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the bridge reuses its connections
    key = b""

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body must not be taken for the next request
            return self.answer(413)
        body = self.rfile.read(length)
        # Verify the raw bytes before parsing: JSON parsed and serialized again is not the signed text.
        if not verify(self.key, self.headers, body):
            return self.answer(401, b'{"error": "invalid signature"}')
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, b'{"error": "the body is not JSON"}')
        reply = echo_of(event) if isinstance(event, dict) else None
        if reply is None:
            return self.answer(204)
        self.answer(200, reply[1], reply[0])

    def answer(self, status, payload=b"", content_type="application/json"):
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    secret = os.environ.get("WEBHOOK_SECRET")
    if not secret:
        sys.exit("Set WEBHOOK_SECRET to the endpoint's secret (whsec_..., printed in the bridge's banner).")
    try:
        Handler.key = secret_bytes(secret)
    except (ValueError, binascii.Error) as error:
        sys.exit("WEBHOOK_SECRET is not whsec_ followed by base64: %s" % error)
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("python-echo listening on http://127.0.0.1:%d/" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
