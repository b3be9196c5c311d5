"""The view that serves identity photos, the only way to reach them."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import IdentitySubmissionFactory, stored_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(home_user):
    return IdentitySubmissionFactory(user=home_user)


def document_url(submission, kind="id"):
    return reverse("accounts:identity_document", args=[submission.pk, kind])


@pytest.mark.parametrize(("kind", "field"), [("id", "id_image"), ("selfie", "selfie_image")])
def test_owner_gets_the_photo_privately(client, home_user, submission, kind, field):
    client.force_login(home_user)
    response = client.get(document_url(submission, kind))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{kind}-{submission.pk}.jpg"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    with getattr(submission, field).open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


@pytest.mark.parametrize("persona", ["other_home_user", "reviewer"])
def test_anyone_else_signed_in_gets_404(client, submission, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(document_url(submission, "id")).status_code == 404
    assert client.get(document_url(submission, "selfie")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, submission):
    url = document_url(submission)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_unknown_kind_or_missing_photo_is_404(client, home_user):
    client.force_login(home_user)
    draft = IdentitySubmissionFactory(user=home_user, selfie_image=None)
    assert client.get(document_url(draft, "passport")).status_code == 404
    assert client.get(document_url(draft, "selfie")).status_code == 404


def test_photos_have_no_public_address(client, home_user, submission):
    name = submission.id_image.name
    assert not settings.MEDIA_ROOT  # nothing is set up to serve uploads
    with pytest.raises(ValueError):
        _ = submission.id_image.url
    stored = str(stored_path(submission.id_image))
    for public_root in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        assert not stored.startswith(str(public_root))
    client.force_login(home_user)
    for path in (f"/static/{name}", f"/media/{name}", f"/{name}", f"/static/private/{name}"):
        assert client.get(path).status_code == 404, path
