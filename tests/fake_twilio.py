"""A local fake of Twilio's Messages API (and of the Voice REST API's Calls, Queues and Members),
for tests and the benchmark.

It speaks the wire format the real `twilio` client expects (form posts, JSON answers, paging
keys, basic auth), records every message it accepts, and can misbehave on purpose: refuse a
number for good (21211, 21610), answer 429/500 for the next requests, stall, or hold one
request open so a test can kill the sender while the message is "at Twilio" but unanswered.
It also posts signed status callbacks, as Twilio does.

Run alone: `python -m tests.fake_twilio --port 8765` (GET /_fake/stats for counts).
"""

import base64
import json
import socket
import threading
import time
import uuid
from collections import Counter, deque
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token"


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A sender killed mid-request leaves a broken pipe: expected here, not news."""


class FakeTwilio:
    def __init__(self, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, port=0):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.by_sid: dict[str, dict] = {}
        self.count_by_key: Counter = Counter()
        self.permanent: dict[str, tuple[int, int, str]] = {}  # To -> (status, code, message)
        self.transient: deque = deque()  # (status, code) for the next requests
        self.delay = 0.0
        self.hold_at: int | None = None  # hold the n-th accepted message's answer
        self.held = threading.Event()  # set once that request is being held
        self.release = threading.Event()
        self.requests = 0
        # Voice: calls created (a callback rings the agent), updates of live calls (a caller
        # bridged out of the queue), queue members dequeued; calls that ended meanwhile.
        self.calls: dict[str, dict] = {}
        self.call_updates: list[tuple[str, dict]] = []
        self.member_updates: list[tuple[str, str, dict]] = []
        self.ended_calls: set[str] = set()
        self.refused_calls: dict[str, tuple[int, int, str]] = {}  # To -> (status, code, message)
        self.queues: dict[str, dict] = {}
        self.server = QuietServer(("127.0.0.1", port), self._handler())
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- life ---------------------------------------------------------------------------------

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- what tests look at -------------------------------------------------------------------

    def received(self, to: str | None = None) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if to is None or m["to"] == to]

    def duplicates(self) -> dict:
        with self.lock:
            return {key: n for key, n in self.count_by_key.items() if n > 1}

    def stats(self) -> dict:
        with self.lock:
            return {
                "received": len(self.messages),
                "unique": len(self.count_by_key),
                "duplicates": sum(n - 1 for n in self.count_by_key.values() if n > 1),
                "requests": self.requests,
            }

    def fail_number(self, to: str, code: int = 21211, status: int = 400, message="Invalid"):
        self.permanent[to] = (status, code, message)

    def fail_next(self, count: int, status: int = 503, code: int | None = None):
        for _ in range(count):
            self.transient.append((status, code))

    def status_callback(self, sid: str, status: str, error_code: str | None = None):
        """(url, form, signature) of the callback Twilio would post for this message."""
        from twilio.request_validator import RequestValidator

        message = self.by_sid[sid]
        form = {
            "MessageSid": sid,
            "MessageStatus": status,
            "AccountSid": self.account_sid,
            "To": message["to"],
        }
        if error_code:
            form["ErrorCode"] = str(error_code)
        url = message["status_callback"]
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        return url, form, signature

    def post_status(self, sid: str, status: str, error_code: str | None = None) -> int:
        import requests

        url, form, signature = self.status_callback(sid, status, error_code)
        reply = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
        return reply.status_code

    def add_live_call(self, sid: str, to: str = "+3290000000", from_: str = "+32470000000"):
        """A call Twilio has (a caller in a queue), so updating it works."""
        with self.lock:
            self.calls[sid] = {"sid": sid, "to": to, "from": from_, "status": "queued"}

    def end_call(self, sid: str):
        """The caller hung up: updating the call fails as on Twilio (21220)."""
        with self.lock:
            self.ended_calls.add(sid)

    def refuse_calls_to(self, to: str, code: int = 21217, status: int = 400, message="Invalid"):
        """Creating a call to this number fails as on Twilio (21217: not a valid number)."""
        with self.lock:
            self.refused_calls[to] = (status, code, message)

    def created_calls(self) -> list[dict]:
        with self.lock:
            return [c for c in self.calls.values() if c.get("created")]

    # --- Voice --------------------------------------------------------------------------------

    def _call_json(self, call: dict) -> dict:
        return {
            "sid": call["sid"],
            "account_sid": self.account_sid,
            "to": call.get("to"),
            "from": call.get("from"),
            "status": call.get("status", "queued"),
            "direction": call.get("direction", "inbound"),
            "date_created": formatdate(usegmt=True).replace("GMT", "+0000"),
        }

    def _voice(self, path: str, form: dict) -> tuple[int, dict]:
        base = f"/2010-04-01/Accounts/{self.account_sid}/"
        rest = path[len(base) :] if path.startswith(base) else ""
        parts = rest.removesuffix(".json").split("/")
        with self.lock:
            self.requests += 1
            if parts == ["Calls"] and form.get("To") in self.refused_calls:
                status, code, message = self.refused_calls[form["To"]]
                return status, {"code": code, "message": message, "status": status}
            if parts == ["Calls"]:
                sid = "CA" + uuid.uuid4().hex
                self.calls[sid] = {
                    "sid": sid,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "twiml": form.get("Twiml"),
                    "url": form.get("Url"),
                    "method": form.get("Method"),
                    "status_callback": form.get("StatusCallback"),
                    "status_callback_method": form.get("StatusCallbackMethod"),
                    "direction": "outbound-api",
                    "created": True,
                }
                return 201, self._call_json(self.calls[sid])
            if len(parts) == 2 and parts[0] == "Calls":
                return self._update_call(parts[1], form)
            if parts == ["Queues"]:
                sid = "QU" + uuid.uuid4().hex
                self.queues[sid] = {"sid": sid, "friendly_name": form.get("FriendlyName")}
                return 201, {**self.queues[sid], "account_sid": self.account_sid}
            if len(parts) == 4 and parts[0] == "Queues" and parts[2] == "Members":
                queue, call_sid = parts[1], parts[3]
                if call_sid in self.ended_calls or call_sid not in self.calls:
                    return 404, {"code": 20404, "message": "Not found", "status": 404}
                self.member_updates.append((queue, call_sid, form))
                return 200, {
                    "call_sid": call_sid,
                    "queue_sid": queue,
                    "position": 1,
                    "wait_time": 0,
                }
        return 404, {"code": 20404, "message": "Not found", "status": 404}

    def _update_call(self, sid: str, form: dict) -> tuple[int, dict]:
        if sid not in self.calls:
            return 404, {"code": 20404, "message": "Not found", "status": 404}
        if sid in self.ended_calls:
            message = "Call is not in-progress. Cannot redirect."
            return 400, {"code": 21220, "message": message, "status": 400}
        self.call_updates.append((sid, form))
        return 200, self._call_json(self.calls[sid])

    # --- the HTTP side ------------------------------------------------------------------------

    def _accept(self, form: dict) -> tuple[int, dict]:
        to = form.get("To", "")
        with self.lock:
            self.requests += 1
            if self.transient:
                status, code = self.transient.popleft()
                return status, {"code": code, "message": "Try again later", "status": status}
            if to in self.permanent:
                status, code, text = self.permanent[to]
                return status, {"code": code, "message": text, "status": status}
            sid = "SM" + uuid.uuid4().hex
            body = form.get("Body", "")
            message = {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form.get("From") or None,
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": body,
                "status": "queued",
                "num_segments": "1",
                "date_created": formatdate(usegmt=True).replace("GMT", "+0000"),
                "status_callback": form.get("StatusCallback"),
            }
            self.messages.append(message)
            self.by_sid[sid] = message
            self.count_by_key[(to, body)] += 1
            number = len(self.messages)
        if self.hold_at is not None and number == self.hold_at:
            self.held.set()
            self.release.wait(timeout=120)
        public = {k: v for k, v in message.items() if k != "status_callback"}
        return 201, public

    def _list(self, query: dict) -> dict:
        to = (query.get("To") or [None])[0]
        with self.lock:
            found = [m for m in reversed(self.messages) if to is None or m["to"] == to][:50]
        public = [{k: v for k, v in m.items() if k != "status_callback"} for m in found]
        return {"messages": public, "next_page_uri": None, "page": 0, "page_size": 50}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK add 40 ms to every answer, which Twilio does not.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):
                pass

            def _authorised(self) -> bool:
                scheme, _, value = self.headers.get("Authorization", "").partition(" ")
                if scheme != "Basic":
                    return False
                user, _, password = base64.b64decode(value).decode().partition(":")
                return user == fake.account_sid and password == fake.auth_token

            def _send(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path == "/_fake/stats":
                    return self._send(200, fake.stats())
                if not self._authorised():
                    return self._send(401, {"code": 20003, "message": "Authenticate"})
                if parts.path.endswith("/Messages.json"):
                    return self._send(200, fake._list(parse_qs(parts.query)))
                self._send(404, {"code": 20404, "message": "Not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode(errors="replace")
                if len(raw.encode(errors="replace")) < length:
                    return  # the client died mid-request: Twilio would never accept half a form
                if not self._authorised():
                    return self._send(401, {"code": 20003, "message": "Authenticate"})
                expected = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                path = urlsplit(self.path).path
                if path != expected:
                    return self._send(*fake._voice(path, form))
                if fake.delay:
                    time.sleep(fake.delay)
                status, payload = fake._accept(form)
                self._send(status, payload)

        return Handler


def main():
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    fake = FakeTwilio(port=parser.parse_args().port).start()
    print(json.dumps({"url": fake.url}), flush=True)
    try:
        fake.thread.join()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
