"""Where a sender's CPU goes per message: pyinstrument over the real `TwilioGateway.send` and
the sender's claim/record steps, run in the main thread (pyinstrument follows one thread).

    .venv/bin/python bench/sms_profile.py [--count 3000] [--html /tmp/sms-profile.html]

The fake Twilio runs in a child process so its CPU is not in the profile.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyinstrument import Profiler  # noqa: E402

from app import create_app  # noqa: E402
from bench.sms import build_schema, queue_reminders  # noqa: E402
from tests import services  # noqa: E402
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--html", default=None)
    parser.add_argument("--no-profile", action="store_true", help="only the CPU figures")
    args = parser.parse_args()
    port = services.free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_twilio", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    fake.stdout.readline()
    folder = Path(tempfile.mkdtemp(prefix="loket-sms-profile-"))
    url = f"sqlite:///{folder / 'profile.db'}"
    app = create_app(
        {
            "SECRET_KEY": "profile",
            "SQLALCHEMY_DATABASE_URI": url,
            "SMS_GATEWAY": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM": "+32460000001",
            "TWILIO_API_BASE_URL": f"http://127.0.0.1:{port}",
            "PUBLIC_BASE_URL": "https://loket.example.org",
        }
    )
    try:
        build_schema(app)
        queue_reminders(app, args.count, "p")
        with app.app_context():
            from sms.sender import Sender

            sender = Sender(name="profile", batch_size=200, threads=1)
            gateway = sender.gateway("sms")
            cpu, wall = time.process_time(), time.perf_counter()
            profiler = Profiler(interval=0.001)
            if not args.no_profile:
                profiler.start()
            while batch := sender.claim_due():
                outcomes = [(c, gateway.send(c.message)) for c in batch]  # main thread
                sender.record(outcomes)
            if not args.no_profile:
                profiler.stop()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            sender.pool.shutdown()
        if not args.no_profile:
            print(profiler.output_text(unicode=False, color=False, show_all=True))
        if args.html and not args.no_profile:
            Path(args.html).write_text(profiler.output_html())
        figures = {
            "messages": args.count,
            "cpu_ms_per_message": round(cpu * 1000 / args.count, 3),
            "wall_ms_per_message": round(wall * 1000 / args.count, 3),
        }
        print(json.dumps(figures))
    finally:
        fake.terminate()
        fake.wait()


if __name__ == "__main__":
    main()
