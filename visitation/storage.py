"""Where private files live, and their encryption at rest.

Private files (identity photos and selfies; visit recordings use the same storage) are
stored through `private_storage()`, which encrypts on the way in and decrypts on the way
out (`visitation.encryption`), over whichever backend `STORAGES["private"]` names: a folder
on this machine (`PrivateStorage`, the default, for development and one machine) or an
S3-compatible bucket (`PrivateS3Storage`) for several machines. Nothing else in the code
knows which. Neither has a URL: files are served only by views that check who is asking.
"""

import contextlib
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property
from storages.backends.s3 import S3Storage
from whitenoise.storage import CompressedManifestStaticFilesStorage

from . import encryption

# Encrypted files up to this size are assembled in memory before they are stored; larger
# ones (recordings) spill to a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024


class PrivateStorage(FileSystemStorage):
    """Files with no public URL, under PRIVATE_MEDIA_ROOT."""

    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("Private files have no URL.")

    def overwrite(self, name: str, content) -> None:
        """Replace an existing file whole: written beside it, then renamed over it, so a
        reader sees the old file or the new one, never half of either."""
        path = Path(self.path(name))
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".replacing-")
        try:
            with os.fdopen(handle, "wb") as target:
                for chunk in content.chunks():
                    target.write(chunk)
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class PrivateS3Storage(S3Storage):
    """A private bucket of any S3-compatible store (settings: PRIVATE_STORAGE_*). Objects
    hold only encrypted bytes; no URL, presigned or public, is ever made."""

    def get_default_settings(self):
        values = super().get_default_settings()
        values.update(
            {
                "default_acl": None,  # the bucket's own policy: block all public access
                "querystring_auth": True,
                "file_overwrite": False,
                "object_parameters": {"ContentType": "application/octet-stream"},
            }
        )
        return values

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("Private files have no URL.")

    def overwrite(self, name: str, content) -> None:
        """Replace an existing object whole (an S3 PUT is atomic)."""
        self._save(name, content)

    def delete(self, name):
        """A delete the store refuses or cannot be asked (no network, no permission, no
        bucket) is an OSError, as a folder's would be: retention then leaves the row as it
        is and reports it, instead of failing the whole run."""
        try:
            super().delete(name)
        except (BotoCoreError, ClientError) as error:
            raise OSError(f"the bucket refused to delete {name}: {error}") from error


class EncryptedStorage(Storage):
    """Every file encrypted before the backend (`STORAGES["private"]`) stores it, and
    decrypted when read. Files the backend holds in clear (stored before encryption) are
    read as they are until `manage.py rotate_document_keys` encrypts them, and refused once
    DOCUMENT_CLEAR_FILES_READABLE is turned off after that.

    The backend is looked up on each use, so a test (or a deployment's settings) changing
    STORAGES takes effect without touching the model fields that use this storage."""

    @property
    def backend(self) -> Storage:
        return storages["private"]

    # Reading and writing ------------------------------------------------------------

    def _open(self, name, mode="rb"):
        if mode not in ("r", "rb"):
            raise ValueError("Private files are replaced, never changed in place.")
        raw = self.backend.open(name, "rb")
        start = raw.read(len(encryption.MAGIC))
        raw.seek(0)
        if not encryption.is_encrypted(start):
            if settings.DOCUMENT_CLEAR_FILES_READABLE:
                return raw
            raw.close()
            raise encryption.DamagedFile(
                "stored in clear, and DOCUMENT_CLEAR_FILES_READABLE is off: "
                "not written by this site"
            )
        try:
            reader = encryption.DecryptingReader(raw, settings.DOCUMENT_KEYS)
        except BaseException:
            raw.close()
            raise
        return File(_Buffered(reader), name)

    def _save(self, name, content):
        with _encrypted(content) as sealed:
            return self.backend._save(name, File(sealed, name))

    def overwrite_encrypted(self, name: str, plain) -> None:
        """Store `plain` (a binary file) encrypted under the newest key in place of `name`."""
        with _encrypted(File(plain)) as sealed:
            self.backend.overwrite(name, File(sealed, name))

    def open_stored(self, name: str):
        """The file as stored, encrypted or not: for key rotation."""
        return self.backend.open(name, "rb")

    # Everything else is the backend's -------------------------------------------------

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def size(self, name):
        return self.backend.size(name)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)

    def url(self, name):
        raise ValueError("Private files have no URL.")


class _Buffered:
    """A decrypting reader with the few file methods Django's File and FileResponse use."""

    def __init__(self, reader):
        self._reader = io.BufferedReader(reader, buffer_size=encryption.CHUNK_BYTES)
        self.closed = False

    def read(self, size=-1):
        return self._reader.read(size)

    def readable(self):
        return True

    def seekable(self):
        return False

    def close(self):
        self._reader.close()
        self.closed = True


@contextmanager
def _encrypted(content):
    """`content` encrypted under the newest key, in memory or, when large, a temporary file."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as target:
        with contextlib.suppress(AttributeError, io.UnsupportedOperation):
            content.seek(0)
        encryption.encrypt(content, target, key=settings.DOCUMENT_KEYS[0])
        target.seek(0)
        yield target


_private = EncryptedStorage()


def private_storage():
    return _private


def _without_source_maps(patterns):
    return tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for glob, rules in patterns
    )


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's compressed, hashed static files (DEBUG off). The vendored USWDS files
    name source maps that are not shipped, so those comments are left as they are instead
    of failing collectstatic; browsers only ask for maps with developer tools open."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
