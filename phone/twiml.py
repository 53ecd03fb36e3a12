"""The TwiML answers to Twilio's voice webhooks, built with the `twilio` library's verbs.

Every address in them is absolute, on PUBLIC_BASE_URL: Twilio signs its next request over the
address it was given, and /phone/* checks that signature over the same base.
"""

from flask import Response, current_app
from twilio.twiml.voice_response import Gather, VoiceResponse

from phone.prompts import Prompt, voice_for

MENU_TIMEOUT = 6  # seconds Twilio waits for a key after the menu
LANGUAGE_TIMEOUT = 3  # one line: a short pause for 9 or 8 before the queue
NUMBER_TIMEOUT = 8


def url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def answer(response: VoiceResponse | str) -> Response:
    return Response(str(response), mimetype="text/xml")


def speak(target: VoiceResponse | Gather, prompts: list[Prompt]) -> None:
    for prompt in prompts:
        if prompt.recording:
            target.play(prompt.recording)
        elif prompt.words:
            say_language, voice = voice_for(prompt.language)
            target.say(prompt.words, voice=voice, language=say_language)


def gather(target: VoiceResponse, action: str, prompts: list[Prompt], **options) -> Gather:
    keys = target.gather(action=url(action), method="POST", **options)
    speak(keys, prompts)
    return keys


def enqueue(target: VoiceResponse, queue_name: str, max_size: int) -> None:
    """Into the line's Twilio queue: /phone/wait entertains, /phone/queue-result hears how it
    ended (bridged, hung up, left for a callback, full)."""
    target.enqueue(
        queue_name,
        action=url("/phone/queue-result"),
        method="POST",
        wait_url=url("/phone/wait"),
        wait_url_method="POST",
        max_queue_size=max_size,
    )


def menu(prompts: list[Prompt]) -> VoiceResponse:
    """The menu; no key at all comes back to /phone/menu without Digits (a wrong key)."""
    response = VoiceResponse()
    gather(response, "/phone/menu", prompts, num_digits=1, timeout=MENU_TIMEOUT)
    response.redirect(url("/phone/menu"), method="POST")
    return response


def straight_to_queue(
    prompts: list[Prompt], then: list[Prompt], queue_name: str, max_size: int
) -> VoiceResponse:
    """One line: the greeting leaves a moment for 9 or 8 (another language), then the queue."""
    response = VoiceResponse()
    gather(response, "/phone/menu", prompts, num_digits=1, timeout=LANGUAGE_TIMEOUT)
    speak(response, then)
    enqueue(response, queue_name, max_size)
    return response


def into_queue(prompts: list[Prompt], queue_name: str, max_size: int) -> VoiceResponse:
    response = VoiceResponse()
    speak(response, prompts)
    enqueue(response, queue_name, max_size)
    return response


def waiting(
    prompts: list[Prompt], offer: list[Prompt], hold_music: str | None, pause: int
) -> VoiceResponse:
    """What a waiting caller hears each round: where they stand, the callback offer (a key
    goes to /phone/callback), then music or silence until Twilio asks /phone/wait again."""
    response = VoiceResponse()
    speak(response, prompts)
    if offer:
        gather(response, "/phone/callback", offer, num_digits=1, timeout=5)
    if hold_music:
        response.play(hold_music)
    else:
        response.pause(length=pause)
    return response


def leave_for_callback(prompts: list[Prompt]) -> VoiceResponse:
    """Out of Twilio's queue (the entry stays in Loket's): /phone/queue-result hears `leave`."""
    response = VoiceResponse()
    speak(response, prompts)
    response.leave()
    return response


def offer_callback(prompts: list[Prompt], offer: list[Prompt], goodbye: list[Prompt]):
    """Outside hours, a full line, too many wrong keys: 1 asks for a callback."""
    response = VoiceResponse()
    speak(response, prompts)
    if offer:
        gather(response, "/phone/callback", offer, num_digits=1, timeout=MENU_TIMEOUT)
    speak(response, goodbye)
    response.hangup()
    return response


def ask_number(prompts: list[Prompt], goodbye: list[Prompt]) -> VoiceResponse:
    """Another number for the callback, typed and ended with #: to /phone/callback-number."""
    response = VoiceResponse()
    gather(
        response,
        "/phone/callback-number",
        prompts,
        finish_on_key="#",
        timeout=NUMBER_TIMEOUT,
    )
    speak(response, goodbye)
    response.hangup()
    return response


def goodbye(prompts: list[Prompt]) -> VoiceResponse:
    response = VoiceResponse()
    speak(response, prompts)
    response.hangup()
    return response


def nothing() -> VoiceResponse:
    """An empty answer: in a queue the caller goes on waiting; elsewhere the call ends."""
    return VoiceResponse()
