"""The browser's ticket to Twilio Voice: a short-lived access token for the agent's console.

The Voice JavaScript SDK in the console registers with Twilio as a client named after the
agent (`agent_identity`), so a caller taken from the queue is bridged with
`<Dial><Client>agent-7</Client></Dial>` (phone.bridge). The token carries a VoiceGrant:
incoming calls allowed, and outgoing calls through the installation's TwiML application.
It is signed with an API key (TWILIO_API_KEY / TWILIO_API_SECRET), never the auth token.
"""

from flask import current_app
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from phone.agent_errors import AgentError

TOKEN_SECONDS = 3600  # the SDK asks for a new one before it runs out (tokenWillExpire)
IDENTITY_PREFIX = "agent-"


def agent_identity(staff_id: int) -> str:
    """The Twilio client name of an agent's browser: stable, and free of personal data."""
    return f"{IDENTITY_PREFIX}{staff_id}"


def voice_token(staff_id: int) -> str:
    config = current_app.config
    needed = ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_TWIML_APP_SID")
    if not all(config.get(name) for name in needed):
        raise AgentError("voice_not_configured")
    token = AccessToken(
        config["TWILIO_ACCOUNT_SID"],
        config["TWILIO_API_KEY"],
        config["TWILIO_API_SECRET"],
        identity=agent_identity(staff_id),
        ttl=TOKEN_SECONDS,
    )
    token.add_grant(
        VoiceGrant(outgoing_application_sid=config["TWILIO_TWIML_APP_SID"], incoming_allow=True)
    )
    return token.to_jwt()
