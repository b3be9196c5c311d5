"""Private files encrypted at rest: AES-256-GCM, keys from DOCUMENT_KEYS, newest first.

A copied disk or bucket must hold nothing readable, so the site encrypts every private file
(identity photos and selfies; visit recordings use the same storage) before it is stored,
and only the web and worker processes hold the keys.

A stored file is a header, then the file in sealed chunks:

    b"VVE" 0x01 | key id length (1 byte) | key id (ASCII) | file nonce (16 random bytes)
    chunk 0 | chunk 1 | ... | last chunk     each: AES-256-GCM ciphertext + 16-byte tag

Each file gets a fresh random nonce, from which the file's own key is derived (HKDF-SHA256
of the named key); chunk i is sealed under that file key with the nonce i and a flag
marking the last chunk, and the header as associated data. So a changed byte anywhere, a
changed key id, chunks swapped, or a file cut short is refused, and a large recording is
read and checked a chunk at a time instead of whole in memory (the layout of Tink's
streaming AEAD, simplified).

Keys are written `id:base64`, comma-separated, newest first: the first encrypts, all
decrypt, so an old key keeps working during a rotation (`manage.py rotate_document_keys`).
"""

import base64
import binascii
import contextlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"VVE\x01"
KEY_BYTES = 32
FILE_NONCE_BYTES = 16
TAG_BYTES = 16
CHUNK_BYTES = 64 * 1024
_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HKDF_INFO = b"visitation private file v1"


class UnreadableFile(Exception):
    """A stored file the site cannot return: the message says why, for the operator's log.
    It never holds anything from the file."""


class KeyNotConfigured(UnreadableFile):
    def __init__(self, key_id: str):
        self.key_id = key_id
        super().__init__(
            f"encrypted with key {key_id!r}, which is not in DOCUMENT_KEYS: add that key back"
        )


class DamagedFile(UnreadableFile):
    pass


@dataclass(frozen=True)
class DocumentKey:
    key_id: str
    secret: bytes

    def __repr__(self):  # never the secret, in a traceback or a settings dump
        return f"DocumentKey({self.key_id!r})"


def keys_parse(text: str) -> list[DocumentKey]:
    """DOCUMENT_KEYS as written in the environment: `id:base64,id:base64`, newest first.
    Raises ValueError saying which entry is wrong (never showing a secret)."""
    keys = []
    for number, entry in enumerate((e.strip() for e in text.split(",") if e.strip()), 1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise ValueError(
                f"DOCUMENT_KEYS entry {number}: write it as id:base64key, the id made of "
                "letters, digits, dots, dashes or underscores (at most 64)"
            )
        try:
            secret = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            secret = b""
        if len(secret) != KEY_BYTES:
            raise ValueError(
                f"DOCUMENT_KEYS key {key_id!r} is not {KEY_BYTES} bytes in base64: make one "
                "with key_new()"
            )
        if any(k.key_id == key_id for k in keys):
            raise ValueError(f"DOCUMENT_KEYS names key {key_id!r} twice")
        keys.append(DocumentKey(key_id=key_id, secret=secret))
    return keys


def key_new(key_id: str) -> str:
    """A new key as DOCUMENT_KEYS writes it."""
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError("A key id is letters, digits, dots, dashes or underscores.")
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()}"


def development_key(path: Path) -> str:
    """The development key kept at `path`, made on first use, readable by its owner only.
    Processes starting together (web, worker, beat) end up with the same one: a new key is
    written beside it and linked into place only if none is there yet. Production never
    uses this: its keys come from DOCUMENT_KEYS."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".document-key-")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(key_new("development") + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


def is_encrypted(start: bytes) -> bool:
    """Whether a stored file begins with this format's header (files stored before
    encryption are JPEG, PNG or WebP, none of which begins so)."""
    return start.startswith(MAGIC)


def _header(key_id: str, file_nonce: bytes) -> bytes:
    encoded = key_id.encode("ascii")
    return MAGIC + bytes([len(encoded)]) + encoded + file_nonce


def _file_cipher(secret: bytes, file_nonce: bytes) -> AESGCM:
    file_key = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=file_nonce, info=_HKDF_INFO
    ).derive(secret)
    return AESGCM(file_key)


def _chunk_nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt(source, target, *, key: DocumentKey) -> None:
    """Read `source` (a binary file) to its end and write it encrypted under `key` to
    `target`, a chunk at a time."""
    file_nonce = os.urandom(FILE_NONCE_BYTES)
    header = _header(key.key_id, file_nonce)
    cipher = _file_cipher(key.secret, file_nonce)
    target.write(header)
    index = 0
    chunk = _read_full(source, CHUNK_BYTES)
    while True:
        following = _read_full(source, CHUNK_BYTES)
        last = not following
        target.write(cipher.encrypt(_chunk_nonce(index, last), chunk, header))
        if last:
            return
        chunk = following
        index += 1


def encrypt_bytes(data: bytes, *, key: DocumentKey) -> bytes:
    target = io.BytesIO()
    encrypt(io.BytesIO(data), target, key=key)
    return target.getvalue()


def key_id_of(raw) -> str:
    """The id of the key a stored file was encrypted with; reads only its header."""
    start = _read_full(raw, len(MAGIC) + 1)
    if not is_encrypted(start) or len(start) < len(MAGIC) + 1:
        raise DamagedFile("not an encrypted file")
    key_id = _read_full(raw, start[-1])
    try:
        return key_id.decode("ascii")
    except UnicodeDecodeError:
        raise DamagedFile("its header is damaged") from None


class DecryptingReader(io.RawIOBase):
    """The plain file, read from an encrypted one a chunk at a time; each chunk is checked
    before any of it is returned. Opening checks the header and that the key is known."""

    def __init__(self, raw, keys: list[DocumentKey]):
        self._raw = raw
        key_id = key_id_of(raw)
        key = next((k for k in keys if k.key_id == key_id), None)
        if key is None:
            raise KeyNotConfigured(key_id)
        file_nonce = _read_full(raw, FILE_NONCE_BYTES)
        if len(file_nonce) != FILE_NONCE_BYTES:
            raise DamagedFile("cut short in its header")
        self._header = _header(key_id, file_nonce)
        self._cipher = _file_cipher(key.secret, file_nonce)
        self._index = 0
        self._pending = b""
        self._done = False
        self._next_sealed = _read_full(raw, CHUNK_BYTES + TAG_BYTES)

    def readable(self):
        return True

    def _open_next_chunk(self) -> None:
        sealed = self._next_sealed
        self._next_sealed = _read_full(self._raw, CHUNK_BYTES + TAG_BYTES) if sealed else b""
        last = not self._next_sealed
        try:
            self._pending = self._cipher.decrypt(
                _chunk_nonce(self._index, last), sealed, self._header
            )
        except InvalidTag:
            raise DamagedFile(
                f"chunk {self._index} fails its check (changed, cut short, or not this site's file)"
            ) from None
        self._index += 1
        self._done = last

    def readinto(self, buffer) -> int:
        while not self._pending and not self._done:
            self._open_next_chunk()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self):
        self._raw.close()
        super().close()


def decrypt_bytes(data: bytes, *, keys: list[DocumentKey]) -> bytes:
    return DecryptingReader(io.BytesIO(data), keys).read()


def _read_full(source, size: int) -> bytes:
    """Exactly `size` bytes, or fewer only at the end of `source`."""
    parts, wanted = [], size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)
