"""The application's keys: one versioned key ring, separate from SECRET_KEY.

What the ring protects (every keyed hash and signed token of the application goes through
this module; nothing else calls salted_hmac or django.core.signing with SECRET_KEY):

- check codes of cases, voter codes and ballot receipts, the paper-ballot entry digests,
  the survey's phone digests, API keys and tokens (stored as keyed hashes: the database
  alone never reveals or verifies them);
- the tokens printed on station QR posters, deputies' .ics links and the check-in codes
  (signed; a token carries the version of the key that signed it: "<id>~<token>" or
  "<id>.<hex>").

SECRET_KEY (with Django's SECRET_KEY_FALLBACKS) still protects what Django signs itself:
sessions, CSRF and password-reset tokens.

The ring: `{"current": "2", "keys": {"1": "…", "2": "…"}, "legacy": true}`, from the
environment (`RENDA_KEYS`, JSON) or from the key file (`RENDA_KEYS_FILE`, default
var/keys.json, created on first use in the embedded mode). New hashes and tokens use the
current version; every version in the ring still verifies, so rotating (`manage.py
rotate_keys`) breaks nothing; retiring a version (`rotate_keys --retire ID`) makes what it
protected fail. Version "0" is the legacy key, SECRET_KEY and its fallbacks: what was hashed
or signed before the ring existed; it verifies while "legacy" is true and is the current
key only in a production installation that has no ring yet (`manage.py check --deploy`
warns). New versions use HMAC-SHA256; version 0 keeps Django's salted_hmac default (SHA-1)
so that its old hashes still compare.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

LEGACY = "0"
VERSION_MARK = "~"  # never produced by django.core.signing
HEX_SEPARATOR = "."


@dataclass(frozen=True)
class Key:
    id: str
    secret: str
    fallbacks: tuple[str, ...] = field(default=(), repr=False)

    @property
    def algorithm(self) -> str:
        return "sha1" if self.id == LEGACY else "sha256"


class KeyConfigError(Exception):
    pass


_file_cache: dict[str, tuple[int, dict[str, Any]]] = {}


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def key_file() -> Path:
    return Path(settings.RENDA_KEYS_FILE)


def from_environment() -> bool:
    return bool(getattr(settings, "RENDA_KEYS", None))


def _validate(config: dict[str, Any]) -> dict[str, Any]:
    keys = {str(k): str(v) for k, v in (config.get("keys") or {}).items()}
    current = str(config.get("current", ""))
    legacy = bool(config.get("legacy", True))
    for kid in keys:
        if not kid.isdigit() or kid == LEGACY:
            raise KeyConfigError(f"key id {kid!r}: ids are positive numbers")
        if len(keys[kid]) < 32:
            raise KeyConfigError(f"key {kid}: a key has at least 32 characters")
    if current != LEGACY and current not in keys:
        raise KeyConfigError(f"the current key {current!r} is not in the ring")
    if current == LEGACY and not legacy:
        raise KeyConfigError("the legacy key is current but not accepted")
    return {"current": current, "keys": keys, "legacy": legacy}


def read_file(path: Path) -> dict[str, Any] | None:
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _file_cache.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    config = _validate(json.loads(path.read_text(encoding="utf-8")))
    _file_cache[str(path)] = (stamp, config)
    return config


def write_file(path: Path, config: dict[str, Any]) -> None:
    """Atomically, readable by the owner only."""
    config = _validate(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(config, out, indent=1, sort_keys=True)
    os.replace(tmp, path)
    _file_cache.pop(str(path), None)


def _create_embedded(path: Path) -> dict[str, Any]:
    """The embedded mode's first use: version 1, and the legacy key still verifying what
    an older installation hashed with SECRET_KEY. Several processes may race: one wins."""
    config = {"current": "1", "keys": {"1": new_secret()}, "legacy": True}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_file(path) or config
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(config, out, indent=1, sort_keys=True)
    return config


def config() -> dict[str, Any]:
    """The ring's configuration: the environment's, the key file's, or (production without
    either) the legacy key alone."""
    configured = getattr(settings, "RENDA_KEYS", None)
    if configured:
        return _validate(json.loads(configured) if isinstance(configured, str) else configured)
    path = key_file()
    found = read_file(path)
    if found is not None:
        return found
    if getattr(settings, "PRODUCTION", False):
        return {"current": LEGACY, "keys": {}, "legacy": True}
    return _create_embedded(path)


def _legacy_key() -> Key:
    return Key(LEGACY, settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def ring() -> list[Key]:
    """Every key that verifies, the current one first."""
    conf = config()
    keys = {kid: Key(kid, secret) for kid, secret in conf["keys"].items()}
    if conf["legacy"]:
        keys[LEGACY] = _legacy_key()
    current = keys[conf["current"]]
    others = sorted((k for k in keys.values() if k.id != current.id), key=lambda k: -int(k.id))
    return [current, *others]


def current() -> Key:
    return ring()[0]


def _find(kid: str) -> Key | None:
    return next((k for k in ring() if k.id == kid), None)


def _secrets_of(key: Key) -> list[str]:
    return [key.secret, *key.fallbacks]


# --- keyed hashes (stored; looked up) --------------------------------------------------


def digest(purpose: str, value: str, *, key: Key | None = None) -> str:
    """The keyed hash of `value` for `purpose`, with the current key (or `key`)."""
    key = key or current()
    return salted_hmac(purpose, value, secret=key.secret, algorithm=key.algorithm).hexdigest()


def digests(purpose: str, value: str) -> list[str]:
    """The hash under every key of the ring (and the legacy fallbacks): for lookups with
    `field__in=`, so that what an older version stored is still found."""
    out: list[str] = []
    for key in ring():
        for secret in _secrets_of(key):
            out.append(
                salted_hmac(purpose, value, secret=secret, algorithm=key.algorithm).hexdigest()
            )
    return out


def matches(stored: str, purpose: str, value: str) -> bool:
    """Whether a stored hash is `value`'s under any key of the ring (constant time each)."""
    if not stored:
        return False
    found = False
    for candidate in digests(purpose, value):
        found |= constant_time_compare(stored, candidate)
    return found


# --- tokens that carry their key version -----------------------------------------------


def hex_token(purpose: str, value: str, *, length: int = 32) -> str:
    """A short keyed token in a URL: "<key id>.<hex>" (a legacy token has no id)."""
    key = current()
    body = digest(purpose, value, key=key)[:length]
    return body if key.id == LEGACY else f"{key.id}{HEX_SEPARATOR}{body}"


def hex_token_matches(token: str, purpose: str, value: str, *, length: int = 32) -> bool:
    if not token:
        return False
    kid, _sep, body = token.rpartition(HEX_SEPARATOR)
    key = _find(kid or LEGACY)
    if key is None or not body:
        return False
    found = False
    for secret in _secrets_of(key):
        candidate = salted_hmac(purpose, value, secret=secret, algorithm=key.algorithm)
        found |= constant_time_compare(candidate.hexdigest()[:length], body)
    return found


def _versioned(key: Key, token: str) -> str:
    return token if key.id == LEGACY else f"{key.id}{VERSION_MARK}{token}"


def _split(token: str) -> tuple[Key, str]:
    kid, _sep, body = (token or "").rpartition(VERSION_MARK)
    key = _find(kid or LEGACY)
    if key is None:
        raise signing.BadSignature("The key that signed this token is no longer in the ring.")
    return key, body


def dumps(obj: Any, *, salt: str, compress: bool = False) -> str:
    """django.core.signing.dumps with the current key; the token names the key version."""
    key = current()
    return _versioned(key, signing.dumps(obj, key=key.secret, salt=salt, compress=compress))


def loads(token: str, *, salt: str, max_age: Any = None) -> Any:
    """Raises signing.BadSignature (SignatureExpired) like django.core.signing.loads."""
    key, body = _split(token)
    return signing.loads(
        body, key=key.secret, fallback_keys=list(key.fallbacks), salt=salt, max_age=max_age
    )


def timestamp_sign(value: str, *, salt: str) -> str:
    key = current()
    return _versioned(key, signing.TimestampSigner(key=key.secret, salt=salt).sign(value))


def timestamp_unsign(token: str, *, salt: str, max_age: Any = None) -> str:
    key, body = _split(token)
    signer = signing.TimestampSigner(key=key.secret, fallback_keys=list(key.fallbacks), salt=salt)
    return signer.unsign(body, max_age=max_age)


def deploy_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """`manage.py check --deploy`: the keys are separate from SECRET_KEY."""
    from django.core.checks import Warning as CheckWarning

    try:
        conf = config()
    except (KeyConfigError, ValueError) as exc:
        return [CheckWarning(f"The key ring is not valid: {exc}", id="renda.E001")]
    if conf["current"] == LEGACY:
        return [
            CheckWarning(
                "Check codes, voter codes, receipts, API keys and printed tokens are "
                "protected by SECRET_KEY: run `manage.py rotate_keys` (or set RENDA_KEYS) so "
                "that they have keys of their own (docs/operations.md, Keys).",
                id="renda.W001",
            )
        ]
    return []
