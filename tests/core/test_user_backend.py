"""The signed-in user of each request is read by `renda.core.auth.UserBackend` (one
statement written once per process): a login records it, it reads the same user as Django's
ModelBackend, refuses an inactive account as that does, and sessions begun under
ModelBackend (before the change) stay signed in."""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.core.auth import UserBackend
from renda.core.models import User

WORKSPACE = "congress:workspace"


def test_a_login_records_the_backend_and_stays_signed_in(client, world):
    response = client.post(
        "/accounts/login/",
        {"username": "staff_a", "password": "pw-for-tests-1"},
        REMOTE_ADDR="10.9.9.8",
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "renda.core.auth.UserBackend"
    assert client.get(reverse(WORKSPACE)).status_code == 200


def test_it_reads_the_user_modelbackend_reads_in_one_statement(world):
    with CaptureQueriesContext(connection) as captured:
        ours = UserBackend().get_user(world.staff.pk)
    theirs = ModelBackend().get_user(world.staff.pk)
    assert len(captured.captured_queries) == 1
    assert type(ours) is User and ours.pk == theirs.pk
    assert model_to_dict(ours) == model_to_dict(theirs)
    assert ours.password == theirs.password and ours.last_login == theirs.last_login
    for missing in (0, 10**12, "x", None):
        assert UserBackend().get_user(missing) is None


def test_an_inactive_account_is_nobody(world):
    User.objects.filter(pk=world.staff.pk).update(is_active=False)
    assert UserBackend().get_user(world.staff.pk) is None
    assert ModelBackend().get_user(world.staff.pk) is None


def test_a_session_begun_under_modelbackend_stays_signed_in(client, world):
    store = SessionStore()
    store[SESSION_KEY] = str(world.staff.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = world.staff.get_session_auth_hash()
    store.create()
    client.cookies["sessionid"] = store.session_key
    assert client.get(reverse(WORKSPACE)).status_code == 200
    # A changed password ends it, as before.
    world.staff.set_password("another-pw-for-tests-2")
    world.staff.save()
    assert client.get(reverse(WORKSPACE)).status_code == 302
