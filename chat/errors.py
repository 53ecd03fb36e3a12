"""Domain errors of the chat: a code for clients, a message in the reader's language."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core.errors import DomainError

MESSAGES = {
    "invalid": _l("This request is not valid."),
    "not_text": _l("Send this as text."),
    "name_required": _l("Tell us your name."),
    "name_too_long": _l("Your name can be at most %(limit)s characters."),
    "phone_too_long": _l("This is not a valid phone number."),
    "invalid_phone": _l("This is not a valid phone number."),
    "email_too_long": _l("This is not a valid e-mail address."),
    "invalid_email": _l("This is not a valid e-mail address."),
    "topic_too_long": _l("The subject can be at most %(limit)s characters."),
    "text_required": _l("Type a message first."),
    "text_too_long": _l("A message can be at most %(limit)s characters."),
    "note_too_long": _l("The note can be at most %(limit)s characters."),
    "hidden_characters": _l("This text contains characters we cannot accept."),
    "attachments_refused": _l(
        "Sending files is not possible in this chat. Describe your question in words; "
        "an agent will tell you how to send documents if needed."
    ),
    "too_fast": _l("You are sending messages too quickly. Wait a moment and try again."),
    "chat_closed": _l("This chat has ended. Start a new chat if you have another question."),
    "unknown_chat": _l("This chat does not exist or is not yours."),
    "chat_taken": _l("A colleague already took this chat."),
    "too_many_chats": _l("You already have %(limit)s chats open. End one first."),
    "transfer_target": _l("Choose a colleague or a department."),
    "invalid_outcome": _l("Choose an outcome."),
    "consent_required": _l(
        "We can only call you back if you agree that we use your number or address for it."
    ),
    "contact_required": _l("Give a phone number or an e-mail address so that we can answer you."),
    "resume_refused": _l("This chat cannot be resumed here. Start a new chat."),
}


class ChatError(DomainError):
    messages = MESSAGES
    status = 422

    def message_in(self, language: str | None) -> str:
        """The message in a socket client's language: a socket event has no request whose
        language `message` could follow."""
        words = self._message or self.messages.get(self.code) or self.messages["invalid"]
        with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
            return str(words) % self.params if self.params else str(words)
