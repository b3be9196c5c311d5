"""Key rotation for private files (`manage.py rotate_document_keys`).

Every file in the private storage is brought under the newest key of DOCUMENT_KEYS: files
under an older key are decrypted and encrypted again, files stored in clear (before the
site encrypted them) are encrypted. A file already under the newest key is left alone, so
a run stopped half way is simply run again and goes on where it stopped. Each file is
replaced whole (a rename on disk, one PUT in a bucket), so the site keeps reading every
file, old or new, during the run. Files are found by listing the storage itself, not the
database, so every kind of private file (photos, selfies, recordings) is covered.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings

from . import encryption
from .storage import EncryptedStorage, private_storage

logger = logging.getLogger(__name__)

# Enough of a file's start to read its header (magic, key id length, a 64-byte key id).
HEADER_PEEK = len(encryption.MAGIC) + 1 + 64


@dataclass
class RotationRun:
    newest_key: str
    files: int = 0
    current: int = 0  # already under the newest key
    reencrypted: int = 0  # under an older key (would be, in a dry run)
    encrypted: int = 0  # stored in clear (would be, in a dry run)
    unreadable: list[str] = field(default_factory=list)  # names, with the reason logged
    old_keys: set[str] = field(default_factory=set)  # older keys files were found under

    @property
    def changed(self) -> int:
        return self.reencrypted + self.encrypted


def _names(storage: EncryptedStorage, folder: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever stored
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _names(storage, f"{folder}/{sub}" if folder else sub)


def private_files_rotate(
    *,
    batch_size: int = 100,
    dry_run: bool = False,
    progress: Callable[[RotationRun], None] | None = None,
) -> RotationRun:
    """Bring every private file under the newest key; `progress` is called after each
    batch of `batch_size` files."""
    storage = private_storage()
    keys = settings.DOCUMENT_KEYS
    newest = keys[0].key_id
    run = RotationRun(newest_key=newest)
    for name in _names(storage):
        run.files += 1
        try:
            _rotate_one(storage, name, keys=keys, run=run, dry_run=dry_run)
        except FileNotFoundError:  # deleted (replaced, purged) since it was listed
            run.files -= 1
        except encryption.UnreadableFile as error:
            logger.error("key rotation: private file unreadable: name=%s reason=%s", name, error)
            run.unreadable.append(name)
        if progress and run.files % batch_size == 0:
            progress(run)
    if progress and run.files % batch_size:
        progress(run)
    return run


def _rotate_one(storage, name: str, *, keys, run: RotationRun, dry_run: bool) -> None:
    with storage.open_stored(name) as stored:
        start = stored.read(HEADER_PEEK)
        stored.seek(0)
        key_id = None
        if encryption.is_encrypted(start):
            key_id = encryption.key_id_of(stored)
            if key_id == run.newest_key:
                run.current += 1
                return
            stored.seek(0)
            plain = encryption.DecryptingReader(stored, keys)  # refuses an unknown key
        else:
            plain = stored
        if not dry_run:
            if not storage.exists(name):  # purged while we read it: never bring it back
                raise FileNotFoundError(name)
            storage.overwrite_encrypted(name, plain)
    if key_id is None:
        run.encrypted += 1
    else:
        run.reencrypted += 1
        run.old_keys.add(key_id)
