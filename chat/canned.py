"""Canned answers: the texts agents insert with one choice, per language, written by admins."""

from sqlalchemy import select

from chat.models import CannedAnswer
from chat.service import checked_text
from extensions import db


def answers(language: str | None = None) -> list[CannedAnswer]:
    query = select(CannedAnswer).order_by(CannedAnswer.language, CannedAnswer.title)
    if language:
        query = query.where(CannedAnswer.language == language)
    return list(db.session.scalars(query))


def save_answer(*, language: str, title, text, answer: CannedAnswer | None = None):
    title = checked_text(title, field="title", limit=120, required=True)
    text = checked_text(text, field="text", limit=2000, required=True, multiline=True)
    answer = answer or CannedAnswer()
    answer.language, answer.title, answer.text = language, title, text
    db.session.add(answer)
    db.session.flush()
    return answer
