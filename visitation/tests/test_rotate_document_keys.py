"""`manage.py rotate_document_keys`: every private file under the newest key, files stored
in clear encrypted, the site reading every file before, during and after."""

import io
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from accounts.tests.factories import PendingSubmissionFactory, photo_bytes
from conftest import TEST_DOCUMENT_KEY
from visitation import encryption
from visitation.storage import private_storage

pytestmark = pytest.mark.django_db

NEW_KEY = encryption.DocumentKey(key_id="2027-01", secret=b"\x42" * 32)


def rotate(*args):
    out = StringIO()
    call_command("rotate_document_keys", *args, stdout=out)
    return out.getvalue()


def key_ids(stored: dict[str, bytes]) -> dict[str, str]:
    return {
        name: encryption.key_id_of(io.BytesIO(data)) if encryption.is_encrypted(data) else "clear"
        for name, data in stored.items()
    }


@pytest.fixture
def photos(private_backend):
    """Three submissions' photos under the old key, and one photo stored in clear as
    today's databases hold them; with what each photo is, to check after."""
    submissions = [
        PendingSubmissionFactory(
            id_image__data=photo_bytes(color=(n * 40, 10, 10)),
            selfie_image__data=photo_bytes(color=(10, n * 40, 10)),
        )
        for n in range(1, 4)
    ]
    clear = photo_bytes(color=(1, 2, 3))
    storages["private"].overwrite(submissions[0].selfie_image.name, ContentFile(clear))
    contents = {}
    for s in submissions:
        for field in (s.id_image, s.selfie_image):
            with field.storage.open(field.name) as handle:
                contents[field.name] = handle.read()
    assert contents[submissions[0].selfie_image.name] == clear
    return contents


def test_rotation_brings_every_file_under_the_new_key_and_each_stays_readable(
    photos, private_backend, settings
):
    settings.DOCUMENT_KEYS = [NEW_KEY, TEST_DOCUMENT_KEY]
    assert sorted(key_ids(private_backend()).values()) == ["clear"] + ["test-1"] * 5

    output = rotate("--batch-size", "4")

    assert output.splitlines() == [
        "Newest key: 2027-01.",
        "  4 files checked: 0 already under 2027-01, 3 encrypted again, 1 stored in clear "
        "encrypted, 0 unreadable",
        "  6 files checked: 0 already under 2027-01, 5 encrypted again, 1 stored in clear "
        "encrypted, 0 unreadable",
        "Done: all 6 private files are encrypted under 2027-01.",
        "No file is stored in clear now: set DOCUMENT_CLEAR_FILES_READABLE=0 on every web and "
        "worker process, so that a file put in clear into the storage is refused.",
        "No file needs test-1 any more: remove them from DOCUMENT_KEYS on every web and "
        "worker process.",
    ]
    assert set(key_ids(private_backend()).values()) == {"2027-01"}
    settings.DOCUMENT_KEYS = [NEW_KEY]  # the old key removed
    settings.DOCUMENT_CLEAR_FILES_READABLE = False  # and files in clear refused, as it said
    for name, content in photos.items():
        with storages["private"].open(name) as raw:
            assert b"\xff\xd8" not in raw.read()[:64]
        with private_storage().open(name) as handle:
            assert handle.read() == content


def test_a_second_run_finds_nothing_to_do_so_a_stopped_run_is_just_run_again(photos, settings):
    settings.DOCUMENT_KEYS = [NEW_KEY, TEST_DOCUMENT_KEY]
    rotate()

    output = rotate()

    assert "6 files checked: 6 already under 2027-01, 0 encrypted again" in output


def test_a_dry_run_counts_and_changes_nothing(photos, private_backend, settings):
    settings.DOCUMENT_KEYS = [NEW_KEY, TEST_DOCUMENT_KEY]
    before = private_backend()

    output = rotate("--dry-run")

    assert (
        "6 files checked: 0 already under 2027-01, 5 would be encrypted again, 1 stored "
        "in clear would be encrypted" in output
    )
    assert output.endswith("Dry run: nothing was changed. 6 files would change.\n")
    assert private_backend() == before


def test_files_under_a_key_no_longer_configured_are_left_and_named(photos, settings):
    settings.DOCUMENT_KEYS = [NEW_KEY]  # test-1 forgotten too early

    with pytest.raises(CommandError, match="5 files could not be read and were left") as error:
        rotate()

    assert "Keep every key in DOCUMENT_KEYS" in str(error.value)
    settings.DOCUMENT_KEYS = [NEW_KEY, TEST_DOCUMENT_KEY]
    assert "1 already under 2027-01, 5 encrypted again" in rotate()


def test_nothing_stored_yet_is_fine(settings):
    assert "Done: all 0 private files are encrypted under test-1." in rotate()
