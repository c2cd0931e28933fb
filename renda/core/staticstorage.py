"""The static files' storage in production: whitenoise's compressed, hashed (manifest) files,
with each file's URL computed once per process. The manifest is read when the process starts
and does not change while it runs, so a name's URL is a pure function of the name: every
process computes the same one, nothing has to agree between them. A page renders several
`{% static %}` tags (the stylesheet, the scripts, the icons); looking each up in the
manifest and joining it to STATIC_URL on every request was a measurable part of a small
page (the ballot's receipt)."""

from __future__ import annotations

import functools
from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per instance (the storage is one per process); a missing file raises and is not
        # remembered.
        self._url_of = functools.lru_cache(maxsize=2048)(self._hashed_url)

    def _hashed_url(self, name: str) -> str:
        return super().url(name)

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        return self._url_of(name)
