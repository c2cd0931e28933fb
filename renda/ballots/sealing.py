"""The sealed ballot box: the cryptography behind a secret poll, without the database.

At opening a poll gets a key pair (X25519, libsodium sealed boxes through PyNaCl). The
private key is derived from a 16-byte seed; the seed is split with Shamir's scheme over
GF(256) into `n` shares of which any `k` rebuild it, and only the shares leave the server
(printed slips). Nothing of the private key is stored. A ballot is sealed to the public
key, padded to one size per poll; at close, `k` shares rebuild the private key in memory,
the boxes are opened, and the key is dropped.

A share is written as 8 groups of 5 characters (Crockford's base-32 alphabet: no I, L, O,
U). Each group carries 4 data characters and a check character (Luhn mod 32, with the
group's position), so that a mistyped group is named; the share's last 3 bytes are a tag
keyed by the poll and its public key, so that a share of another poll is refused.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

SEED_BYTES = 16
TAG_BYTES = 3
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
GROUPS = 8
GROUP_DATA = 4  # data characters per group; the fifth is its check character
SHARE_CHARACTERS = GROUPS * (GROUP_DATA + 1)
_LENIENT = str.maketrans({"O": "0", "I": "1", "L": "1"})
_BOX_OVERHEAD = 48  # an ephemeral public key and a MAC

# --- GF(256) arithmetic (the AES field, generator 3) --------------------------------------

_EXP = [0] * 510
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value ^= (_value << 1) ^ (0x11B if _value & 0x80 else 0)  # multiply by 3
    _value &= 0xFF
for _power in range(255, 510):
    _EXP[_power] = _EXP[_power - 255]


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def split_secret(secret: bytes, threshold: int, holders: int) -> list[tuple[int, bytes]]:
    """Shamir's scheme byte by byte: `holders` points (x = 1…n) of random polynomials of
    degree `threshold - 1` whose value at 0 is the secret; any `threshold` of them rebuild
    it, fewer tell nothing about it."""
    if not 1 <= threshold <= holders <= 255:
        raise ValueError("need 1 <= threshold <= holders <= 255")
    coefficients = [secrets.token_bytes(threshold - 1) for _ in secret]
    shares = []
    for x in range(1, holders + 1):
        y = bytearray()
        for byte, rest in zip(secret, coefficients, strict=True):
            value = 0
            for c in reversed(rest):  # Horner: ((c_k x + …) x + c_1) x + secret
                value = _mul(value ^ c, x)
            y.append(value ^ byte)
        shares.append((x, bytes(y)))
    return shares


def combine_shares(points: Sequence[tuple[int, bytes]]) -> bytes:
    """The polynomial's value at 0 by Lagrange interpolation (distinct x, equal lengths)."""
    xs = [x for x, _y in points]
    if len(set(xs)) != len(xs) or 0 in xs:
        raise ValueError("share indexes must be distinct and non-zero")
    secret = bytearray(len(points[0][1]))
    for i, (xi, yi) in enumerate(points):
        weight = 1
        for j, xj in enumerate(xs):
            if i != j:
                weight = _mul(weight, _div(xj, xj ^ xi))
        for position, byte in enumerate(yi):
            secret[position] ^= _mul(byte, weight)
    return bytes(secret)


# --- keys ---------------------------------------------------------------------------------------


def private_key_from_seed(seed: bytes) -> PrivateKey:
    return PrivateKey(hashlib.blake2b(seed, digest_size=32, person=b"renda-ballotbox").digest())


@dataclass(frozen=True)
class KeyPair:
    public_key: bytes
    shares: list[str]  # formatted, for the slips: shown once, never stored


def new_key(poll_id: int, *, threshold: int, holders: int) -> KeyPair:
    """A fresh key pair for a poll and its private key's shares, bound to the poll."""
    seed = secrets.token_bytes(SEED_BYTES)
    public = bytes(private_key_from_seed(seed).public_key)
    points = split_secret(seed, threshold, holders)
    return KeyPair(public, [encode_share(poll_id, public, x, y) for x, y in points])


def _tag(poll_id: int, public_key: bytes, body: bytes) -> bytes:
    binding = hashlib.blake2b(
        str(poll_id).encode() + b":" + public_key, digest_size=32, person=b"renda-share-bind"
    ).digest()
    return hashlib.blake2b(body, key=binding, digest_size=TAG_BYTES).digest()


def _check_character(position: int, values: Sequence[int]) -> int:
    """Luhn mod 32 over the group's position and its data characters: every single wrong
    character and most swaps of neighbours change it."""
    factor, total = 2, 0
    for value in reversed([position, *values]):
        addend = factor * value
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return (32 - total % 32) % 32


def encode_share(poll_id: int, public_key: bytes, x: int, y: bytes) -> str:
    body = bytes([x]) + y
    data = body + _tag(poll_id, public_key, body)
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    digits = [(number >> (bits - 5 * (i + 1))) & 31 for i in range(bits // 5)]
    groups = []
    for g in range(GROUPS):
        values = digits[g * GROUP_DATA : (g + 1) * GROUP_DATA]
        check = _check_character(g, values)
        groups.append("".join(ALPHABET[v] for v in [*values, check]))
    return " ".join(groups)


class ShareError(ValueError):
    """A share that cannot be read: `kind` is "length", "characters", "groups" (with the
    mistyped group numbers, from 1) or "poll" (a share of another poll, or mistyped)."""

    def __init__(self, kind: str, groups: Sequence[int] = ()) -> None:
        super().__init__(kind)
        self.kind = kind
        self.groups = list(groups)


def normalise_share(text: str) -> str:
    """What the holder typed, without spaces and hyphens, in capitals, with the letters that
    look like digits read as those digits."""
    kept = "".join(ch for ch in (text or "") if not ch.isspace() and ch not in "-_")
    return kept.upper().translate(_LENIENT)


def decode_share(text: str, *, poll_id: int, public_key: bytes) -> tuple[int, bytes]:
    """The share's point (x, y), or a ShareError saying what is wrong with it."""
    compact = normalise_share(text)
    if len(compact) != SHARE_CHARACTERS:
        raise ShareError("length")
    if any(ch not in ALPHABET for ch in compact):
        raise ShareError("characters")
    values = [ALPHABET.index(ch) for ch in compact]
    digits, wrong = [], []
    for g in range(GROUPS):
        group = values[g * (GROUP_DATA + 1) : (g + 1) * (GROUP_DATA + 1)]
        if _check_character(g, group[:GROUP_DATA]) != group[GROUP_DATA]:
            wrong.append(g + 1)
        digits += group[:GROUP_DATA]
    if wrong:
        raise ShareError("groups", wrong)
    number = 0
    for d in digits:
        number = (number << 5) | d
    data = number.to_bytes(len(digits) * 5 // 8, "big")
    body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
    if body[0] == 0 or not secrets.compare_digest(tag, _tag(poll_id, public_key, body)):
        raise ShareError("poll")
    return body[0], body[1:]


def share_number(text: str) -> int:
    """The share's index (1…n) as printed on its slip, read without checking it."""
    compact = normalise_share(text)
    if len(compact) < 2 or any(ch not in ALPHABET for ch in compact[:2]):
        return 0
    return (ALPHABET.index(compact[0]) << 3) | (ALPHABET.index(compact[1]) >> 2)


def recover_private_key(points: Sequence[tuple[int, bytes]], public_key: bytes) -> PrivateKey:
    """The private key rebuilt from enough shares; a ValueError if it does not match the
    poll's public key (too few shares of a higher threshold give another key)."""
    key = private_key_from_seed(combine_shares(points))
    if not secrets.compare_digest(bytes(key.public_key), public_key):
        raise ValueError("the shares do not rebuild this poll's key")
    return key


# --- sealed ballots -----------------------------------------------------------------------------


def plaintext_size(*, subjects: int, max_choices: int, write_ins: bool) -> int:
    """One size for every ballot of a poll, whatever it says: room for a mark per subject
    (a 20-digit subject id and the longest choice), for `max_choices` written names of 40
    characters at the longest JSON escape each, and for the receipt and channel."""
    size = 160 + 48 * subjects + (250 * max_choices if write_ins else 0)
    return -(-size // 64) * 64


def seal(public_key: bytes, content: dict[str, Any], *, size: int) -> bytes:
    """The content as JSON, length-prefixed and zero-padded to `size`, sealed to the key:
    every box of a poll has the same length and only the private key opens it."""
    raw = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    if len(raw) + 4 > size:
        raise ValueError("ballot larger than the poll's sealed size")
    padded = len(raw).to_bytes(4, "big") + raw + bytes(size - 4 - len(raw))
    return SealedBox(PublicKey(public_key)).encrypt(padded)


def sealed_size(size: int) -> int:
    return size + _BOX_OVERHEAD


def unseal(private_key: PrivateKey, box: bytes) -> dict[str, Any]:
    """The content of one box; a ValueError for a box this key does not open."""
    try:
        padded = SealedBox(private_key).decrypt(bytes(box))
    except CryptoError as exc:
        raise ValueError("the box does not open with this key") from exc
    length = int.from_bytes(padded[:4], "big")
    content = json.loads(padded[4 : 4 + length].decode())
    if not isinstance(content, dict):
        raise ValueError("not a ballot")
    return content
