"""ICE servers for the browsers of a video call: STUN, and TURN with short-lived credentials.

coturn's `use-auth-secret` scheme (the "TURN REST API"): Loket and coturn share one secret; a
credential is the username `<expiry unix time>:<id>` with the password
base64(HMAC-SHA1(secret, username)). coturn recomputes it and refuses it after the expiry, so a
credential copied out of a browser is worth one hour at most and no password is stored anywhere.
"""

import base64
import hashlib
import hmac
import secrets
import time

MAX_LIFETIME_SECONDS = 3600


def turn_credential(secret: str, lifetime_seconds: int, now: float | None = None) -> dict:
    """A username and password coturn accepts until `now + lifetime_seconds`."""
    lifetime = max(60, min(int(lifetime_seconds), MAX_LIFETIME_SECONDS))
    expiry = int(now if now is not None else time.time()) + lifetime
    username = f"{expiry}:{secrets.token_hex(8)}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode(), "ttl": lifetime}


def split_urls(value) -> list[str]:
    """A comma- or space-separated setting (LOKET_TURN_URLS) or a list, as a list of URLs."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [str(url).strip() for url in value if str(url).strip()]


def stun_of(turn_url: str) -> str:
    """coturn answers STUN on its TURN port: `turn:host:3478?transport=udp` → `stun:host:3478`."""
    address = turn_url.split(":", 1)[1].split("?", 1)[0]
    return f"stun:{address}"


def ice_servers(config, with_turn: bool = True) -> dict:
    """The RTCPeerConnection `iceServers` for this installation, and how long they last.

    STUN comes from LOKET_STUN_URLS, else from the TURN servers themselves (plain `turn:` ones;
    `turns:` is TLS and has no STUN). TURN needs both LOKET_TURN_URLS and LOKET_TURN_SECRET;
    without them a call still works wherever the two browsers reach each other directly.
    `with_turn=False` leaves TURN out (for a caller who is in no call).
    """
    turn_urls = split_urls(config.get("TURN_URLS"))
    stun_urls = split_urls(config.get("STUN_URLS")) or sorted(
        {stun_of(url) for url in turn_urls if url.startswith("turn:")}
    )
    servers = [{"urls": stun_urls}] if stun_urls else []
    ttl = None
    secret = config.get("TURN_SECRET")
    if with_turn and turn_urls and secret:
        credential = turn_credential(secret, config.get("TURN_CREDENTIAL_SECONDS", 3600))
        ttl = credential.pop("ttl")
        servers.append({"urls": turn_urls, **credential})
    return {"ice_servers": servers, "ttl": ttl}
