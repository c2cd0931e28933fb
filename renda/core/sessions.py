"""The session store: Django's database sessions, without a query per new session, and
read by a hand-written statement.

Django's store asks the database whether a freshly drawn key is taken before it inserts
the session; the insert itself is made with `must_create`, so a key that is taken fails the
insert and a new key is drawn (CreateError). The question is a round trip on every new
session (a resident's first submission, every login) that the insert already answers.

Every signed-in request reads its session first: the same SELECT as Django's (the key, not
expired), written out once instead of built by the ORM each time (docs/ballots.md, "Where
a cast's time goes"). A changed session is written back the same way: the UPDATE Django's
forced-update save makes, and UpdateError when its row is gone (it expired or was deleted
meanwhile), as Django's store answers. `tests/core/test_sessions.py` holds both to
Django's behaviour.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, connections, router
from django.utils import timezone
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self) -> str:
        # 32 characters of 36: a clash is never expected, and create() retries on one.
        return get_random_string(32, VALID_KEY_CHARS)

    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} "  # noqa: S608 - the model's table
                "WHERE session_key = %s AND expire_date > %s",
                [key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            super().save(must_create=must_create)  # the insert: a taken key is a CreateError
            return
        model = self.model
        connection = connections[router.db_for_write(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        data = self.encode(self._get_session(no_load=False))  # type: ignore[attr-defined]
        expires = connection.ops.adapt_datetimefield_value(self.get_expiry_date())
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET session_data = %s, expire_date = %s "  # noqa: S608
                    "WHERE session_key = %s",
                    [data, expires, self.session_key],
                )
                updated = cursor.rowcount
        except DatabaseError as exc:
            # As Django's store answers a failed write (a locked database): UpdateError.
            raise UpdateError from exc
        if updated != 1:
            raise UpdateError
