"""Fixtures shared by every app's tests: the standing personas, fast hashing, private
storage in a temporary folder with a test key and Celery tasks run in-process."""

import pytest
from django.utils import translation

from visitation.celery import app as celery_app
from visitation.encryption import DocumentKey

# The key private files are encrypted with in tests (not the development one in var/).
TEST_DOCUMENT_KEY = DocumentKey(key_id="test-1", secret=bytes(range(32)))

# Each app keeps its own shared fixtures (personas of its own, browser helpers).
pytest_plugins = [
    "facilities.tests.fixtures",
    "scheduling.tests.fixtures",
    "video.tests.fixtures",
    "visitation.tests.browser",
    "visitation.tests.journey",
    "visitation.tests.s3",
]

celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.DOCUMENT_KEYS = [TEST_DOCUMENT_KEY]
    settings.SECURE_SSL_REDIRECT = False
    settings.AXES_ENABLED = True
    settings.SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request made in Spanish leaves Spanish
    active on its thread, and the next test's messages would be Spanish."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def home_user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(email="home@example.com", first_name="Dana", last_name="Rivera")


@pytest.fixture
def other_home_user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(email="other@example.com", first_name="Sam", last_name="Lee")


@pytest.fixture
def reviewer(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(email="reviewer@example.com", is_reviewer=True)
