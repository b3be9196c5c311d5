"""The site's secret keys for keyed hashes: SECRET_KEY first, then SECRET_KEY_FALLBACKS (the
earlier ones, while a key change is under way). A keyed hash is always made with the first
and checked against each, as Django does for sessions and signed links."""

import hashlib
import hmac

from django.conf import settings


def secret_keys() -> list[str]:
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def keyed_hash(message: str, *, key: str | None = None) -> str:
    """HMAC-SHA256 of `message` in hex, under `key` (default: the current SECRET_KEY)."""
    key = settings.SECRET_KEY if key is None else key
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def keyed_hashes(message: str) -> list[str]:
    """The hash of `message` under each key, the current one first."""
    return [keyed_hash(message, key=key) for key in secret_keys()]
