import functools
import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from accounts.models import IdentityStatus, IdentitySubmission
from accounts.tests.factories import (
    IdentitySubmissionFactory,
    PendingSubmissionFactory,
    photo_bytes,
    photo_upload,
)
from accounts.tests.pages import error_summary, error_summary_links, field_error, text_of

pytestmark = pytest.mark.django_db

NOT_READABLE = "This file is not a photo we can read. Please upload a JPEG, PNG or WebP photo."
DAMAGED = "This photo is damaged or incomplete. Please take it again and upload it."
TOO_MANY_PIXELS = "This photo is too large (over 40 megapixels). Please upload a smaller photo."
TOO_BIG_FILE = "This file is larger than 10 MB. Please upload a smaller photo."


@functools.cache
def png_of_size(width, height) -> bytes:
    """A real PNG of that size; one bit per pixel keeps it small to build and to send."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 26.0, 46.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (79.0, 58.0, 56.0)
    return photo_bytes(exif=exif)


def upload_data(id_image=None, selfie_image=None, **overrides):
    data = {
        "id_type": "drivers_license",
        "id_expiry": (timezone.localdate() + timedelta(days=400)).isoformat(),
        "id_image": id_image if id_image is not None else photo_upload("id.jpg"),
        "selfie_image": selfie_image if selfie_image is not None else photo_upload("me.jpg"),
    }
    data.update(overrides)
    return data


def stored_files() -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def signed_in(client, home_user):
    client.force_login(home_user)
    return client


BAD_UPLOADS = {
    "text file named .jpg": (
        lambda: SimpleUploadedFile("id.jpg", b"Just some text, not a photo.\n", "image/jpeg"),
        NOT_READABLE,
    ),
    "truncated JPEG": (
        lambda: photo_upload("id.jpg", content=photo_bytes(width=1600, height=1200)[:2500]),
        DAMAGED,
    ),
    "20000x20000 PNG": (
        lambda: photo_upload("id.png", png_of_size(20000, 20000), "image/png"),
        TOO_MANY_PIXELS,
    ),
    "48 megapixel PNG": (
        lambda: photo_upload("id.png", png_of_size(8000, 6000), "image/png"),
        TOO_MANY_PIXELS,
    ),
    "11 MB file": (
        lambda: photo_upload("id.jpg", photo_bytes() + b"\0" * (11 * 1024 * 1024)),
        TOO_BIG_FILE,
    ),
    "GIF": (lambda: photo_upload("id.gif", photo_bytes(fmt="GIF"), "image/gif"), NOT_READABLE),
    "SVG": (
        lambda: SimpleUploadedFile(
            "id.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">'
            b"<script>alert(1)</script></svg>",
            "image/svg+xml",
        ),
        NOT_READABLE,
    ),
    "too small": (
        lambda: photo_upload("id.jpg", width=600, height=400),
        "This photo is too small to read (600 x 400 pixels). "
        "Please upload a photo of at least 640 x 480 pixels.",
    ),
}


@pytest.mark.parametrize("kind", BAD_UPLOADS)
def test_bad_id_photo_gets_a_clear_error_and_nothing_is_stored(signed_in, kind):
    make_file, message = BAD_UPLOADS[kind]
    response = signed_in.post(reverse("accounts:identity"), upload_data(id_image=make_file()))
    assert response.status_code == 200
    assert field_error(response, "id_image") == message
    assert f"Photo of your ID: {message}" in error_summary(response)
    assert error_summary_links(response) == ["id_id_image"]
    assert not IdentitySubmission.objects.exists()
    assert stored_files() == []


def test_a_bad_selfie_is_reported_on_the_selfie_field(signed_in):
    response = signed_in.post(
        reverse("accounts:identity"),
        upload_data(selfie_image=photo_upload("me.gif", photo_bytes(fmt="GIF"), "image/gif")),
    )
    assert field_error(response, "selfie_image") == NOT_READABLE
    assert field_error(response, "id_image") == ""
    assert not IdentitySubmission.objects.exists()
    assert stored_files() == []


def test_a_pixel_flood_is_refused_quickly(signed_in):
    bomb = photo_upload("id.png", png_of_size(20000, 20000), "image/png")
    started = time.perf_counter()
    response = signed_in.post(reverse("accounts:identity"), upload_data(id_image=bomb))
    assert time.perf_counter() - started < 1.0
    assert field_error(response, "id_image") == TOO_MANY_PIXELS


def test_an_11_mb_upload_is_a_form_error_not_a_refused_request(signed_in):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 11 * 1024 * 1024
    big = photo_upload("id.jpg", photo_bytes() + b"\0" * (11 * 1024 * 1024))
    response = signed_in.post(reverse("accounts:identity"), upload_data(id_image=big))
    assert response.status_code == 200
    assert field_error(response, "id_image") == TOO_BIG_FILE


def test_an_expired_id_is_refused(signed_in):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = signed_in.post(
        reverse("accounts:identity"), upload_data(id_expiry=yesterday.isoformat())
    )
    assert field_error(response, "id_expiry") == (
        f"This ID expired on {yesterday.isoformat()}. Please upload an ID that has not expired."
    )
    assert not IdentitySubmission.objects.exists()
    assert stored_files() == []


def test_an_id_expiring_today_on_the_users_clock_is_accepted(signed_in, home_user):
    home_user.time_zone = "Pacific/Honolulu"
    home_user.save(update_fields=["time_zone"])
    # 23:30 on June 9 in Honolulu is already June 10 in UTC.
    with time_machine.travel("2026-06-10 09:30Z", tick=False):
        response = signed_in.post(reverse("accounts:identity"), upload_data(id_expiry="2026-06-09"))
    assert response.status_code == 302
    assert IdentitySubmission.objects.get().id_expiry.isoformat() == "2026-06-09"


def test_missing_fields_are_listed_at_the_top(signed_in):
    response = signed_in.post(reverse("accounts:identity"), {})
    summary = error_summary(response)
    for label in ("Type of ID", "Expiry date on the ID", "Photo of your ID", "Photo of yourself"):
        assert f"{label}: This field is required." in summary
    assert error_summary_links(response) == [
        "id_id_type_0",
        "id_id_expiry",
        "id_id_image",
        "id_selfie_image",
    ]


def test_good_photos_are_stored_as_fresh_jpegs_under_random_names(signed_in, home_user):
    response = signed_in.post(
        reverse("accounts:identity"),
        upload_data(
            id_image=photo_upload("my-drivers-license.png", photo_bytes(fmt="PNG"), "image/png"),
            selfie_image=photo_upload("me.webp", photo_bytes(fmt="WEBP"), "image/webp"),
        ),
    )
    assert response.status_code == 302
    submission = IdentitySubmission.objects.get(user=home_user)
    assert submission.status == IdentityStatus.DRAFT
    assert submission.id_type == "drivers_license"
    for field in (submission.id_image, submission.selfie_image):
        assert "license" not in field.name and "me." not in field.name
        with field.open("rb") as handle:
            assert Image.open(handle).format == "JPEG"
    assert "Draft, not yet submitted" in text_of(signed_in.get(response.url))


def test_png_with_html_appended_is_stored_without_the_html(signed_in, home_user):
    polyglot = photo_bytes(fmt="PNG") + b"<html><script>alert(document.cookie)</script></html>"
    response = signed_in.post(
        reverse("accounts:identity"),
        upload_data(id_image=photo_upload("id.png", polyglot, "image/png")),
    )
    assert response.status_code == 302
    stored = IdentitySubmission.objects.get(user=home_user).id_image
    with stored.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"\xff\xd8")
    assert b"<html" not in data and b"<script" not in data


def test_jpeg_with_gps_is_stored_with_no_exif_at_all(signed_in, home_user):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    response = signed_in.post(
        reverse("accounts:identity"),
        upload_data(selfie_image=photo_upload("me.jpg", original)),
    )
    assert response.status_code == 302
    stored = IdentitySubmission.objects.get(user=home_user).selfie_image
    with stored.open("rb") as handle:
        data = handle.read()
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}
    assert b"Exif" not in data and b"PhoneMaker" not in data


def test_a_photo_taken_sideways_is_stored_upright(signed_in, home_user):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned a quarter
    response = signed_in.post(
        reverse("accounts:identity"),
        upload_data(selfie_image=photo_upload("me.jpg", photo_bytes(800, 600, exif=exif))),
    )
    assert response.status_code == 302
    with IdentitySubmission.objects.get().selfie_image.open("rb") as handle:
        assert Image.open(handle).size == (600, 800)


def test_a_phone_camera_mpo_jpeg_is_accepted(signed_in, home_user):
    frame = Image.new("RGB", (800, 600), (90, 100, 110))
    buffer = io.BytesIO()
    frame.save(buffer, format="MPO", save_all=True, append_images=[frame.resize((160, 120))])
    response = signed_in.post(
        reverse("accounts:identity"),
        upload_data(id_image=photo_upload("id.jpg", buffer.getvalue())),
    )
    assert response.status_code == 302
    assert IdentitySubmission.objects.get().id_image


def test_a_draft_keeps_its_photos_when_only_details_change(signed_in, home_user):
    draft = IdentitySubmissionFactory(user=home_user)
    id_name, selfie_name = draft.id_image.name, draft.selfie_image.name
    new_expiry = timezone.localdate() + timedelta(days=90)
    response = signed_in.post(
        reverse("accounts:identity"),
        {"id_type": "passport", "id_expiry": new_expiry.isoformat()},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.id_type, draft.id_expiry) == ("passport", new_expiry)
    assert (draft.id_image.name, draft.selfie_image.name) == (id_name, selfie_name)


def test_a_replaced_photo_is_deleted_after_commit(
    signed_in, home_user, django_capture_on_commit_callbacks
):
    draft = IdentitySubmissionFactory(user=home_user)
    old_name = draft.id_image.name
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(
            reverse("accounts:identity"),
            {"id_type": "passport", "id_expiry": "2031-01-01", "id_image": photo_upload()},
        )
    draft.refresh_from_db()
    assert draft.id_image.name != old_name
    assert draft.id_image.storage.exists(draft.id_image.name)
    assert not draft.id_image.storage.exists(old_name)


def test_identity_page_labels_every_choice(signed_in):
    page = signed_in.get(reverse("accounts:identity")).content.decode()
    assert '<legend class="usa-legend">Type of ID</legend>' in page
    for value, label in [
        ("drivers_license", "Driver&#x27;s license"),
        ("state_id", "State ID card"),
        ("passport", "Passport"),
        ("other", "Other government photo ID"),
    ]:
        assert f'value="{value}"' in page
        assert f">{label}</label>" in page
    for name in ("id_expiry", "id_image", "selfie_image"):
        assert f'<label class="usa-label" for="id_{name}">' in page
    assert 'enctype="multipart/form-data"' in page


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts:identity"))
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={reverse('accounts:identity')}"


def test_no_upload_while_a_review_is_pending(signed_in, home_user):
    PendingSubmissionFactory(user=home_user)
    response = signed_in.post(reverse("accounts:identity"), upload_data())
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    assert IdentitySubmission.objects.count() == 1
