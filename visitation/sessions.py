"""Sessions kept in the database and read through the shared cache (CACHE_URL) while it
answers.

Django's cached_db store lets a cache error through in three places: checking that a new
session key is free (signing in), filling the cache after a miss, and deleting at sign-out.
With Redis down, signing in or out would then be an error page. Here the database is the
record and every cache call is best effort: a cache that fails is logged and skipped.

A session deleted while the cache cannot be reached (signing out during the outage) would
stay in the cache until it expired, and a Redis that came back with its data would accept a
copy of the old cookie again. Such a deletion is logged as the security event
`session_cache_delete_failed` and noted in the database (SessionCacheLeftover); the periodic
task `session_cache_leftovers_clear` deletes the cached copy as soon as the cache answers.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.cache import caches
from django.utils import timezone

from .logging import security_event
from .models import SessionCacheLeftover

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def _cache_failed(self, doing: str, error: Exception) -> None:
        logger.warning("session cache unreachable while %s: %s", doing, type(error).__name__)

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception as error:
            self._cache_failed("reading a session", error)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception as error:
            self._cache_failed("caching a session", error)
        return data

    def exists(self, session_key):
        if not session_key:
            return False
        try:
            if self.cache_key_prefix + session_key in self._cache:
                return True
        except Exception as error:
            self._cache_failed("checking a new session key", error)
        return DBStore.exists(self, session_key)

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception as error:
            security_event(
                "session_cache_delete_failed", level=logging.WARNING, error=type(error).__name__
            )
            SessionCacheLeftover.objects.get_or_create(
                cache_key=self.cache_key_prefix + session_key
            )


def session_cache_leftovers_clear(*, now: datetime | None = None) -> int:
    """Delete from the shared cache the sessions signed out while it was down; returns how
    many were cleared. A leftover older than a session's whole life is simply forgotten."""
    now = now or timezone.now()
    SessionCacheLeftover.objects.filter(
        created_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()
    leftovers = list(SessionCacheLeftover.objects.order_by("pk")[:1000])
    if not leftovers:
        return 0
    cache = caches[settings.SESSION_CACHE_ALIAS]
    try:
        cache.delete_many([leftover.cache_key for leftover in leftovers])
    except Exception as error:
        logger.warning("session cache still unreachable: %s", type(error).__name__)
        return 0
    SessionCacheLeftover.objects.filter(pk__in=[leftover.pk for leftover in leftovers]).delete()
    return len(leftovers)
