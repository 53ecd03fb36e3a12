"""How many SMS segments a body costs: GSM-7 packs 160 characters (153 when split), anything
outside it switches the whole message to UCS-2 at 70 (67 when split). One "é" too many can
double the bill, so staff see segments and cost per message."""

import math
from decimal import Decimal

MAX_BODY = 1600  # Twilio's limit for one message

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm7(body: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in body)


def count_segments(body: str) -> int:
    if not body:
        return 1
    if is_gsm7(body):
        septets = sum(2 if ch in GSM_EXTENDED else 1 for ch in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def cost_of(segments: int, price_per_segment) -> Decimal:
    return (Decimal(str(price_per_segment)) * segments).quantize(Decimal("0.0001"))
