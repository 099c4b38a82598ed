"""Signed links: confirmation links expire, manage and unsubscribe links do not (RFC 8058 asks for that)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from portal.models.alert import Subscriber

CONFIRM_SALT = "alerts-confirm"
MANAGE_SALT = "alerts-manage"


class BadLink(Exception):
    """A link that was altered, cut short, or made with another key."""


class ExpiredLink(BadLink):
    """A confirmation link older than its lifetime."""


def _payload(subscriber: Subscriber) -> dict[str, object]:
    return _pair_payload(subscriber.id, subscriber.token_nonce)


def _pair_payload(subscriber_id: int, nonce: str) -> dict[str, object]:
    return {"s": subscriber_id, "n": nonce}


def _read(payload: object) -> tuple[int, str]:
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int) or not isinstance(payload.get("n"), str):
        raise BadLink("unexpected payload")
    return payload["s"], payload["n"]


def confirm_token(subscriber: Subscriber) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT).dumps(_payload(subscriber))


def read_confirm_token(token: str) -> tuple[int, str]:
    max_age = current_app.config["ALERTS_CONFIRM_DAYS"] * 86400
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)
    try:
        return _read(serializer.loads(token, max_age=max_age))
    except SignatureExpired as exc:
        raise ExpiredLink(str(exc)) from exc
    except BadSignature as exc:
        raise BadLink(str(exc)) from exc


def manage_token(subscriber: Subscriber) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=MANAGE_SALT).dumps(_payload(subscriber))


def manage_tokens(subscribers: list[tuple[int, str]]) -> list[str]:
    """The manage tokens of many (subscriber id, token nonce) pairs, with one serializer: as `manage_token` makes
    them."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=MANAGE_SALT)
    return [serializer.dumps(_pair_payload(subscriber_id, nonce)) for subscriber_id, nonce in subscribers]


def read_manage_token(token: str) -> tuple[int, str]:
    try:
        return _read(URLSafeSerializer(current_app.config["SECRET_KEY"], salt=MANAGE_SALT).loads(token))
    except BadSignature as exc:
        raise BadLink(str(exc)) from exc
