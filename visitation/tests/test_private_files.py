"""Private files encrypted at rest, in a folder or an S3 bucket: what a thief with the disk
or the bucket gets, what the family and the reviewer get through the site, and what
happens when a key is missing or a file was changed."""

import io
import logging
import math
from collections import Counter
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import IdentitySubmission
from accounts.tests.factories import photo_bytes, photo_upload
from conftest import TEST_DOCUMENT_KEY
from review.models import DocumentView
from review.tests.factories import otp_login, pending_submission
from visitation import encryption
from visitation.storage import private_storage
from visitation.tests.test_faults import free_port

pytestmark = pytest.mark.django_db

OTHER_KEY = encryption.DocumentKey(key_id="other", secret=b"\x07" * 32)


def entropy_bits_per_byte(data: bytes) -> float:
    counts = Counter(data)
    return -sum(n / len(data) * math.log2(n / len(data)) for n in counts.values())


def random_bytes_entropy_floor(size: int) -> float:
    """Well below what `size` random bytes measure: counted over a finite sample, their
    entropy falls short of 8 bits by about 255 / (2 size ln 2), give or take a tenth of
    that; this allows twice that shortfall. A JPEG measures far less."""
    return 8 - 2 * 255 / (2 * size * math.log(2))


def upload(client, user, *, color=(200, 30, 60)):
    """The family uploads an ID photo and a selfie through the site."""
    client.force_login(user)
    response = client.post(
        reverse("accounts:identity"),
        {
            "id_type": "drivers_license",
            "id_expiry": (timezone.localdate() + timedelta(days=400)).isoformat(),
            "id_image": photo_upload("id.jpg", width=1024, height=768, color=color),
            "selfie_image": photo_upload("me.jpg", width=640, height=480, color=color),
        },
    )
    assert response.status_code == 302, response.content
    return IdentitySubmission.objects.get(user=user)


def photo_url(submission, kind="id"):
    return reverse("accounts:identity_document", args=[submission.pk, kind])


def test_a_stolen_disk_or_bucket_holds_no_photo(client, home_user, private_backend):
    submission = upload(client, home_user)

    stored = private_backend()

    assert set(stored) == {submission.id_image.name, submission.selfie_image.name}
    for data in stored.values():
        assert data.startswith(b"VVE\x01\x06test-1")  # the header names the key, nothing else
        assert b"\xff\xd8\xff" not in data  # no JPEG start marker anywhere
        assert b"Exif" not in data and b"JFIF" not in data
        # Indistinguishable from random bytes.
        assert entropy_bits_per_byte(data) > random_bytes_entropy_floor(len(data))
    photo = photo_bytes(width=640, height=480, color=(200, 30, 60))
    assert entropy_bits_per_byte(photo) < random_bytes_entropy_floor(len(photo))


def test_the_owner_gets_back_exactly_the_photo_that_was_stored(client, home_user, private_backend):
    submission = upload(client, home_user)
    sealed = private_backend()[submission.id_image.name]

    response = client.get(photo_url(submission))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    photo = b"".join(response.streaming_content)
    assert photo == encryption.decrypt_bytes(sealed, keys=[TEST_DOCUMENT_KEY])
    image = Image.open(io.BytesIO(photo))
    assert (image.format, image.size) == ("JPEG", (1024, 768))
    assert image.getpixel((10, 10)) == pytest.approx((200, 30, 60), abs=3)


def test_the_reviewer_sees_the_photos_and_each_look_is_logged(client, reviewer, private_backend):
    submission = pending_submission()
    otp_login(client, reviewer)

    response = client.get(reverse("review:identity_document", args=[submission.pk, "selfie"]))

    assert response.status_code == 200
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"
    assert DocumentView.objects.filter(submission=submission, document="selfie").count() == 1


def test_private_files_have_no_address_in_either_storage(home_user, private_backend, client):
    submission = upload(client, home_user)

    with pytest.raises(ValueError, match="no URL"):
        _ = submission.id_image.url
    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url(submission.id_image.name)


def test_without_its_key_a_photo_is_a_clear_page_and_a_log_line_not_an_error_page(
    client, home_user, private_backend, settings, caplog
):
    submission = upload(client, home_user)
    settings.DOCUMENT_KEYS = [OTHER_KEY]
    settings.DEBUG = False

    with caplog.at_level(logging.ERROR, logger="accounts.views"):
        response = client.get(photo_url(submission))

    assert response.status_code == 503
    assert "no-store" in response["Cache-Control"].split(", ")
    page = response.content.decode()
    assert "This photo cannot be shown" in page
    assert "The operators have been told." in page
    assert "Traceback" not in page and "test-1" not in page and "DOCUMENT_KEYS" not in page
    assert (
        f"private file unreadable: submission_id={submission.pk} kind=id reason=encrypted "
        "with key 'test-1', which is not in DOCUMENT_KEYS" in caplog.text
    )


def test_a_changed_file_is_refused(client, home_user, private_backend, caplog):
    submission = upload(client, home_user)
    name = submission.id_image.name
    sealed = bytearray(private_backend()[name])
    sealed[len(sealed) // 2] ^= 0x01  # one bit, in the middle of the photo
    storages["private"].overwrite(name, ContentFile(bytes(sealed)))

    response = client.get(photo_url(submission))

    assert response.status_code == 503
    assert "This photo cannot be shown" in response.content.decode()
    assert "fails its check" in caplog.text
    assert client.get(photo_url(submission, "selfie")).status_code == 200


def test_a_photo_stored_in_clear_before_encryption_is_still_served(
    client, home_user, private_backend
):
    submission = upload(client, home_user)
    clear = Image.new("RGB", (700, 500), (10, 200, 10))
    buffer = io.BytesIO()
    clear.save(buffer, format="JPEG")
    storages["private"].overwrite(submission.id_image.name, ContentFile(buffer.getvalue()))

    response = client.get(photo_url(submission))

    assert b"".join(response.streaming_content) == buffer.getvalue()


def test_after_the_change_a_file_planted_in_clear_is_refused(
    client, home_user, private_backend, settings, caplog
):
    submission = upload(client, home_user)
    settings.DOCUMENT_CLEAR_FILES_READABLE = False
    assert client.get(photo_url(submission)).status_code == 200  # encrypted: served
    planted = io.BytesIO()
    Image.new("RGB", (700, 500), (10, 200, 10)).save(planted, format="JPEG")
    storages["private"].overwrite(submission.id_image.name, ContentFile(planted.getvalue()))

    response = client.get(photo_url(submission))

    assert response.status_code == 503
    assert "This photo cannot be shown" in response.content.decode()
    assert "stored in clear, and DOCUMENT_CLEAR_FILES_READABLE is off" in caplog.text


def test_new_files_are_encrypted_with_the_newest_key_and_old_ones_still_read(
    client, home_user, other_home_user, private_backend, settings
):
    old = upload(client, home_user)
    settings.DOCUMENT_KEYS = [OTHER_KEY, *settings.DOCUMENT_KEYS]
    new = upload(client, other_home_user)

    stored = private_backend()

    assert encryption.key_id_of(io.BytesIO(stored[old.id_image.name])) == "test-1"
    assert encryption.key_id_of(io.BytesIO(stored[new.id_image.name])) == "other"
    for user, submission in ((home_user, old), (other_home_user, new)):
        client.force_login(user)
        assert client.get(photo_url(submission)).status_code == 200


def test_storage_round_trip_of_a_large_file_in_chunks(private_backend):
    """Recordings are large: they are encrypted and read back a chunk at a time."""
    data = bytes(range(256)) * (3 * encryption.CHUNK_BYTES // 256) + b"end"
    name = private_storage().save("recordings/visit-1.webm", io.BytesIO(data))

    with private_storage().open(name) as handle:
        first = handle.read(1000)
        rest = handle.read()

    assert first + rest == data
    assert len(private_backend()[name]) > len(data)


def test_a_photo_missing_from_storage_is_not_found(client, home_user, private_backend):
    """As after restoring a database older than a purge: the row names a file that is gone."""
    submission = upload(client, home_user)
    storages["private"].delete(submission.id_image.name)

    assert client.get(photo_url(submission)).status_code == 404
    assert client.get(photo_url(submission, "selfie")).status_code == 200


def test_a_bucket_out_of_reach_leaves_the_purge_to_report_it(
    client, home_user, s3_bucket, settings
):
    submission = upload(client, home_user)
    IdentitySubmission.objects.filter(pk=submission.pk).update(
        status="approved", decided_at=timezone.now() - timedelta(days=40)
    )
    private = settings.STORAGES["private"]
    unreachable = {**private["OPTIONS"], "endpoint_url": f"http://127.0.0.1:{free_port()}"}
    settings.STORAGES = {**settings.STORAGES, "private": {**private, "OPTIONS": unreachable}}

    with pytest.raises(CommandError, match="Storage refused to delete the photos of 1"):
        call_command("purge_identity_documents", "--days", "30")

    submission.refresh_from_db()
    assert submission.documents_purged_at is None and submission.id_image
