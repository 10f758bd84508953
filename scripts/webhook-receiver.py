#!/usr/bin/env python3
"""A minimal webhook receiver for gaze-server: verifies each delivery's Standard Webhooks signature and
prints the event. Usage: WEBHOOK_SECRET=whsec_... scripts/webhook-receiver.py [PORT]"""
import base64, hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ.get("WEBHOOK_SECRET", "")
KEY = base64.b64decode(SECRET.removeprefix("whsec_")) if SECRET else b""
TOLERANCE = 5 * 60  # seconds; older timestamps are refused to stop replays


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        msg_id, stamp = self.headers.get("webhook-id", ""), self.headers.get("webhook-timestamp", "0")
        expected = base64.b64encode(hmac.new(KEY, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
        signatures = [s.split(",", 1)[1] for s in self.headers.get("webhook-signature", "").split() if s.startswith("v1,")]
        fresh = abs(time.time() - int(stamp)) <= TOLERANCE
        if not fresh or not any(hmac.compare_digest(expected, s) for s in signatures):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        job = event["data"]
        print(f"{event['type']}: {job['id']} {job['status']} {job['progress_percent']}%", flush=True)
        self.send_response(204)  # any 2xx; anything else is retried
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    if not KEY:
        sys.exit("set WEBHOOK_SECRET to the workspace's secret (GET /v1/webhook-endpoint)")
    HTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 9000), Receiver).serve_forever()
