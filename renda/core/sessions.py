"""The session store: Django's database sessions, without a query per new session.

Django's store asks the database whether a freshly drawn key is taken before it inserts
the session; the insert itself is made with `must_create`, so a key that is taken fails the
insert and a new key is drawn (CreateError). The question is a round trip on every new
session (a resident's first submission, every login) that the insert already answers.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self) -> str:
        # 32 characters of 36: a clash is never expected, and create() retries on one.
        return get_random_string(32, VALID_KEY_CHARS)
