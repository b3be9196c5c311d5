"""Sessions read through the shared cache (visitation.sessions): with the cache down, people
still sign in, use the site and sign out; with it up, it is used and kept in step."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from visitation import sessions
from visitation.models import SessionCacheLeftover

pytestmark = pytest.mark.django_db


class DownCache(LocMemCache):
    """A cache server that does not answer: every call fails as redis-py's would."""

    def _down(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    get = set = add = delete = has_key = get_many = set_many = delete_many = _down
    incr = touch = clear = _down


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": {"BACKEND": "visitation.tests.test_sessions.DownCache"}}
    settings.SESSION_ENGINE = "visitation.sessions"


@pytest.fixture
def cache_up(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sessions-test",
        }
    }
    settings.SESSION_ENGINE = "visitation.sessions"
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def sign_in(client, email):
    return client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})


def test_with_the_cache_down_a_family_signs_in_uses_the_site_and_signs_out(
    client, home_user, cache_down, caplog
):
    response = sign_in(client, home_user.email)
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")

    page = client.get(reverse("accounts:home"))
    assert page.status_code == 200
    assert page.context["user"] == home_user

    assert client.post(reverse("accounts:logout")).status_code == 302
    assert Session.objects.count() == 0
    after = client.get(reverse("accounts:home"))
    assert after.status_code == 302 and after.url.startswith(reverse("accounts:login"))
    assert "session cache unreachable" in caplog.text
    assert "event=session_cache_delete_failed" in caplog.text


def test_with_the_cache_up_sessions_are_read_from_it_and_removed_at_sign_out(
    client, home_user, cache_up
):
    sign_in(client, home_user.email)
    key = client.session.session_key
    cached = "django.contrib.sessions.cached_db" + key
    assert cache_up.get(cached) is not None

    # The cache answers before the database: the page still knows the person with the
    # database row gone.
    Session.objects.filter(session_key=key).delete()
    assert client.get(reverse("accounts:home")).context["user"] == home_user

    client.post(reverse("accounts:logout"))
    assert cache_up.get(cached) is None
    after = client.get(reverse("accounts:home"))
    assert after.status_code == 302


def test_after_a_cache_miss_the_session_comes_from_the_database_and_is_cached_again(
    client, home_user, cache_up
):
    sign_in(client, home_user.email)
    cached = "django.contrib.sessions.cached_db" + client.session.session_key
    cache_up.delete(cached)

    assert client.get(reverse("accounts:home")).context["user"] == home_user
    assert cache_up.get(cached) is not None


def test_a_session_signed_out_while_the_cache_was_down_cannot_come_back_with_it(
    client, home_user, settings
):
    """Redis down at sign-out, then back with its data (a restart with persistence): the
    sweep deletes the cached copy, and a copy of the old cookie no longer signs anyone in."""
    settings.SESSION_ENGINE = "visitation.sessions"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sessions-outage",
        }
    }
    cache = caches["default"]
    cache.clear()
    sign_in(client, home_user.email)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    cached = "django.contrib.sessions.cached_db" + stolen
    kept = cache.get(cached)
    assert kept is not None

    settings.CACHES = {"default": {"BACKEND": "visitation.tests.test_sessions.DownCache"}}
    client.post(reverse("accounts:logout"))
    assert SessionCacheLeftover.objects.filter(cache_key=cached).exists()
    assert sessions.session_cache_leftovers_clear() == 0  # still down: kept for later

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sessions-outage",
        }
    }
    cache = caches["default"]
    assert cache.get(cached) == kept  # back, with the signed-out session in it
    thief = client.__class__()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get(reverse("accounts:home")).status_code == 200  # what the sweep is for

    assert sessions.session_cache_leftovers_clear() == 1
    assert cache.get(cached) is None
    assert not SessionCacheLeftover.objects.exists()
    after = thief.get(reverse("accounts:home"))
    assert after.status_code == 302 and after.url.startswith(reverse("accounts:login"))
    cache.clear()


def test_leftovers_older_than_a_session_are_forgotten(settings):
    from datetime import timedelta

    leftover = SessionCacheLeftover.objects.create(cache_key="django.contrib.sessions.cached_dbx")
    later = leftover.created_at + timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    settings.CACHES = {"default": {"BACKEND": "visitation.tests.test_sessions.DownCache"}}
    assert sessions.session_cache_leftovers_clear(now=later) == 0
    assert not SessionCacheLeftover.objects.exists()
