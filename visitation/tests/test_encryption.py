"""The file format of private files at rest, on its own (no database, no storage)."""

import io

import pytest

from visitation import encryption

KEY = encryption.DocumentKey(key_id="k1", secret=b"\x01" * 32)
OLD = encryption.DocumentKey(key_id="k0", secret=b"\x02" * 32)
CHUNK = encryption.CHUNK_BYTES


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7])
def test_any_size_comes_back_whole(size):
    data = bytes(i % 251 for i in range(size))
    assert encryption.decrypt_bytes(encryption.encrypt_bytes(data, key=KEY), keys=[KEY]) == data


def test_each_file_gets_a_fresh_nonce():
    first, second = (encryption.encrypt_bytes(b"same photo", key=KEY) for _ in range(2))
    assert first[:7] == second[:7] == b"VVE\x01\x02k1"
    assert first[7:23] != second[7:23]  # the file nonce
    assert first[23:] != second[23:]


def test_any_key_of_the_ring_reads_and_an_unknown_one_is_named():
    sealed = encryption.encrypt_bytes(b"photo", key=OLD)
    assert encryption.decrypt_bytes(sealed, keys=[KEY, OLD]) == b"photo"
    with pytest.raises(encryption.KeyNotConfigured, match="key 'k0', which is not in"):
        encryption.decrypt_bytes(sealed, keys=[KEY])


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],  # cut short
        lambda b: b[: 23 + CHUNK + 16],  # the last chunk dropped
        lambda b: b[:23] + b[23 + CHUNK + 16 : 23 + 2 * (CHUNK + 16)] + b[23:],  # swapped
        lambda b: b[:-5] + bytes([b[-5] ^ 1]) + b[-4:],  # one bit of a tag
        lambda b: b[:30] + bytes([b[30] ^ 0x80]) + b[31:],  # one bit of the photo
        lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:],  # the file nonce
        lambda b: b"VVE\x01\x02k0" + b[7:],  # another key id written over
    ],
)
def test_a_changed_file_is_refused(damage):
    sealed = encryption.encrypt_bytes(bytes(2 * CHUNK + 100), key=KEY)
    with pytest.raises(encryption.UnreadableFile):
        encryption.decrypt_bytes(damage(sealed), keys=[KEY, OLD])


def test_a_chunk_is_checked_before_any_of_it_is_returned():
    sealed = bytearray(encryption.encrypt_bytes(bytes(3 * CHUNK), key=KEY))
    sealed[23 + CHUNK + 16 + 5] ^= 1  # in the second chunk
    reader = encryption.DecryptingReader(io.BytesIO(bytes(sealed)), [KEY])
    assert reader.read(CHUNK) == bytes(CHUNK)
    with pytest.raises(encryption.DamagedFile, match="chunk 1 fails its check"):
        reader.read(CHUNK)


def test_keys_are_read_newest_first_from_the_environment():
    text = f"{encryption.key_new('2027-01')}, {encryption.key_new('2026-01')}"
    assert [k.key_id for k in encryption.keys_parse(text)] == ["2027-01", "2026-01"]
    assert encryption.keys_parse("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("justakey", "entry 1: write it as id:base64key"),
        ("bad id:AAAA", "entry 1: write it as id:base64key"),
        ("k1:c2hvcnQ=", "key 'k1' is not 32 bytes in base64"),
        ("k1:not base64 at all!!", "key 'k1' is not 32 bytes in base64"),
        (f"{encryption.key_new('k1')},{encryption.key_new('k1')}", "names key 'k1' twice"),
    ],
)
def test_a_malformed_key_is_refused_without_showing_it(text, message):
    with pytest.raises(ValueError, match=message) as error:
        encryption.keys_parse(text)
    secret = text.partition(":")[2]
    assert not secret or secret[:8] not in str(error.value)


def test_a_key_never_shows_its_secret():
    assert repr(KEY) == "DocumentKey('k1')"


def test_the_development_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "var" / "document-key"
    first = encryption.development_key(path)
    assert encryption.development_key(path) == first
    assert [k.key_id for k in encryption.keys_parse(first)] == ["development"]
    assert path.stat().st_mode & 0o777 == 0o600
