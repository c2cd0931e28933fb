"""The session store's hand-written read (renda.core.sessions) behaves as Django's: a live
session loads, an expired or unknown one loads empty and forgets its key, and a signed-in
client stays signed in through it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from renda.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_live_session_loads_as_djangos_store_loads_it():
    store = SessionStore()
    store["receipt"] = {"serial": "QH2026-000001", "code": "ABCD1234"}
    store.create()
    ours, theirs = SessionStore(store.session_key), DjangoStore(store.session_key)
    assert (
        ours.load() == theirs.load() == {"receipt": {"serial": "QH2026-000001", "code": "ABCD1234"}}
    )
    assert ours.session_key == store.session_key


def test_an_expired_or_unknown_session_loads_empty_and_forgets_its_key():
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    for key in (store.session_key, "unknown-session-key-0123456789ab"):
        ours, theirs = SessionStore(key), DjangoStore(key)
        assert ours.load() == theirs.load() == {}
        assert ours.session_key is None and theirs.session_key is None
    assert SessionStore(None).load() == {}


def test_a_signed_in_user_stays_signed_in(client, world):
    client.force_login(world.staff)
    assert client.get(reverse("congress:workspace")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(reverse("congress:workspace")).status_code == 302  # to the login


def test_a_changed_session_is_written_back_as_djangos_store_writes_it():
    store = SessionStore()
    store["receipts"] = {"t1": "QH2026-000001"}
    store.create()
    ours = SessionStore(store.session_key)
    ours["receipts"] = {**ours["receipts"], "t2": "QH2026-000002"}
    ours.set_expiry(3600)
    ours.save()
    row = Session.objects.get(session_key=store.session_key)
    assert DjangoStore(store.session_key).load() == ours.load()
    assert ours.load()["receipts"] == {"t1": "QH2026-000001", "t2": "QH2026-000002"}
    assert abs((row.expire_date - timezone.now()).total_seconds() - 3600) < 60


def test_writing_back_a_session_whose_row_is_gone_is_an_update_error():
    from django.contrib.sessions.backends.base import UpdateError

    for store_class in (SessionStore, DjangoStore):
        store = store_class()
        store["x"] = 1
        store.create()
        Session.objects.filter(session_key=store.session_key).delete()
        store["x"] = 2
        with pytest.raises(UpdateError):
            store.save()
