"""One interface for handing a message to the outside world, with its implementations.

`send` is called from the sender's worker threads and must not touch the database; it tells
the sender what happened (sent, retry later, failed for good). `find_sent` answers the one
question a crash leaves open: did the provider get this message before the sender died?
"""

import os
import smtplib
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from extensions import db
from sms.models import DevMessage

# Twilio errors that no retry can fix: https://www.twilio.com/docs/api/errors
PERMANENT_TWILIO_CODES = {
    21211: "invalid 'To' number",
    21408: "no permission to send to this region",
    21610: "the recipient unsubscribed (STOP)",
    21612: "cannot route to this number",
    21614: "not a mobile number",
    21617: "body too long",
}


@dataclass(frozen=True)
class Outgoing:
    """What a gateway needs of an outbox row: plain values, safe to hand to a thread."""

    id: int
    channel: str
    recipient: str
    body: str
    subject: str = ""
    html: str = ""  # e-mail: the HTML alternative of `body`
    attachments: tuple = ()  # e-mail: ({"filename", "content_type", "content"}, …)
    status_callback: str | None = None


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent" | "retry" | "failed"
    sid: str | None = None
    segments: int | None = None
    error_code: str | None = None
    error: str | None = None
    in_doubt: bool = False  # the request may have reached the provider (a read timeout)


class LookupUnsupported(Exception):
    """The gateway can never tell whether a message went out (SMTP): the sender sends again."""


class LookupUnavailable(Exception):
    """The provider cannot be asked right now: the row stays in doubt and is tried later."""


class Gateway:
    channel = "sms"

    def send(self, message: Outgoing) -> SendResult:
        raise NotImplementedError

    def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        raise LookupUnsupported

    def after_send(self, sent: list[tuple[Outgoing, SendResult]]) -> None:
        """Runs in the transaction that records the results (the dev gateways store there)."""


class DevGateway(Gateway):
    """Keeps messages in a table for the staff page, written in the sender's result
    transaction: a crash before that commit leaves no trace, so the retry is not a duplicate."""

    def __init__(self, channel: str = "sms"):
        self.channel = channel

    def send(self, message: Outgoing) -> SendResult:
        from sms.segments import count_segments

        segments = count_segments(message.body) if self.channel == "sms" else 0
        return SendResult("sent", sid=f"DEV{uuid.uuid4().hex}", segments=segments)

    def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        return db.session.scalar(
            select(DevMessage.provider_sid).where(DevMessage.outbox_id == message.id)
        )

    def after_send(self, sent):
        for message, result in sent:
            if result.outcome == "sent":
                db.session.add(
                    DevMessage(
                        outbox_id=message.id,
                        channel=self.channel,
                        recipient=message.recipient,
                        subject=message.subject,
                        body=message.body,
                        provider_sid=result.sid,
                    )
                )


TWILIO_API = "https://api.twilio.com"


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends the twilio client's requests to `base_url` instead of api.twilio.com: the local
    fake in tests and benchmarks, or a Twilio-compatible provider.

    The environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE) is read once, here, not by
    `requests` on every message: with `trust_env` on, each request scanned all of os.environ
    twice and looked for a .netrc, about a fifth of the sender's CPU per message (profiled
    with bench/sms_profile.py). A proxy set for the sender process is still honoured.
    """

    def __init__(self, base_url: str | None, timeout: float):
        self.base_url = (base_url or "").rstrip("/")
        proxies = requests.utils.get_environ_proxies(self.base_url or TWILIO_API)
        super().__init__(pool_connections=True, timeout=timeout, proxy=proxies)
        self.session.trust_env = False
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            self.session.verify = bundle

    def request(self, method, url, *args, **kwargs):
        if self.base_url:
            parts = urlsplit(url)
            url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, url, *args, **kwargs)


class TwilioGateway(Gateway):
    """The real `twilio` client, one per worker thread (a requests Session is not shared)."""

    def __init__(self, *, account_sid, auth_token, sender, base_url=None, timeout=10.0):
        if not (account_sid and auth_token and sender):
            raise RuntimeError("SMS_GATEWAY=twilio needs TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _FROM")
        self.account_sid, self.auth_token, self.sender = account_sid, auth_token, sender
        self.base_url, self.timeout = base_url, timeout
        self._local = threading.local()

    @property
    def client(self) -> Client:
        if getattr(self._local, "client", None) is None:
            http = BaseUrlHttpClient(self.base_url, self.timeout)
            self._local.client = Client(self.account_sid, self.auth_token, http_client=http)
        return self._local.client

    def _origin(self) -> dict:
        if self.sender.startswith("MG"):
            return {"messaging_service_sid": self.sender}
        return {"from_": self.sender}

    def send(self, message: Outgoing) -> SendResult:
        options = {"to": message.recipient, "body": message.body, **self._origin()}
        if message.status_callback:
            options["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**options)
        except TwilioRestException as error:
            return classify_twilio_error(error)
        except requests.RequestException as error:  # timeouts, refused connections
            return SendResult(
                "retry",
                error=f"{type(error).__name__}: {error}"[:500],
                in_doubt=not never_reached(error),
            )
        segments = int(created.num_segments) if str(created.num_segments or "").isdigit() else None
        return SendResult("sent", sid=created.sid, segments=segments)

    def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        """Twilio has no idempotency key for messages, so after a crash we ask it for recent
        messages to this number and match the body (bodies name the appointment and time)."""
        try:
            recent = self.client.messages.list(to=message.recipient, limit=50)
        except (TwilioRestException, requests.RequestException) as error:
            raise LookupUnavailable(str(error)) from error
        earliest = since - timedelta(minutes=5)
        for found in recent:
            created = found.date_created
            if found.body == message.body and (created is None or created >= earliest):
                return found.sid
        return None


def never_reached(error: requests.RequestException) -> bool:
    """True when the request certainly did not arrive (no connection was ever made)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    text = repr(error)
    return isinstance(error, requests.ConnectionError) and (
        "NewConnectionError" in text or "Connection refused" in text
    )


def classify_twilio_error(error: TwilioRestException) -> SendResult:
    code = str(error.code) if error.code is not None else None
    text = f"{error.status} {error.code}: {error.msg}"[:500]
    if error.code in PERMANENT_TWILIO_CODES:
        return SendResult("failed", error_code=code, error=PERMANENT_TWILIO_CODES[error.code])
    # 429 and 5xx pass; 401 is our configuration, not the message: retry once it is fixed.
    if error.status in (401, 429) or error.status >= 500:
        return SendResult("retry", error_code=code, error=text)
    return SendResult("failed", error_code=code, error=text)


class SmtpGateway(Gateway):
    """E-mail through SMTP. It cannot be asked what it delivered: after a crash the sender
    sends again, with the same Message-ID so mail programs can fold the copy away."""

    channel = "email"

    def __init__(self, *, host, port, sender, username=None, password=None, starttls=False,
                 timeout=10.0, domain="loket.invalid"):  # fmt: skip
        self.host, self.port, self.sender = host, int(port), sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout, self.domain = timeout, domain

    def send(self, message: Outgoing) -> SendResult:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = f"<outbox-{message.id}@{self.domain}>"
        email.set_content(message.body)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        for attached in message.attachments:
            maintype, _slash, subtype = attached["content_type"].partition("/")
            email.add_attachment(
                attached["content"].encode(),
                maintype=maintype,
                subtype=subtype,
                filename=attached["filename"],
            )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult("failed", error_code="recipient", error=str(error)[:500])
        except smtplib.SMTPResponseException as error:
            outcome = "failed" if 500 <= error.smtp_code < 600 else "retry"
            return SendResult(outcome, error_code=str(error.smtp_code), error=str(error)[:500])
        except (OSError, smtplib.SMTPException) as error:
            return SendResult("retry", error=f"{type(error).__name__}: {error}"[:500])
        return SendResult("sent", sid=email["Message-ID"].strip("<>"))


def gateway_for(channel: str, config) -> Gateway:
    if channel == "email":
        if config.get("EMAIL_GATEWAY", "dev") == "smtp":
            return SmtpGateway(
                host=config["MAIL_SERVER"],
                port=config.get("MAIL_PORT", 25),
                sender=config["MAIL_FROM"],
                username=config.get("MAIL_USERNAME"),
                password=config.get("MAIL_PASSWORD"),
                starttls=bool(config.get("MAIL_USE_TLS")),
                timeout=config.get("SMS_GATEWAY_TIMEOUT", 10.0),
            )
        return DevGateway("email")
    if config.get("SMS_GATEWAY", "dev") == "twilio":
        return TwilioGateway(
            account_sid=config["TWILIO_ACCOUNT_SID"],
            auth_token=config["TWILIO_AUTH_TOKEN"],
            sender=config["TWILIO_FROM"],
            base_url=config.get("TWILIO_API_BASE_URL"),
            timeout=config.get("SMS_GATEWAY_TIMEOUT", 10.0),
        )
    return DevGateway("sms")
