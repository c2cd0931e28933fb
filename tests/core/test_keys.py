"""The key ring (renda.core.keys): separate from SECRET_KEY, versioned, rotatable. After a
rotation what the old version protected still verifies and new values use the new version;
a retired version fails. Covers every site: check codes, voter codes, receipts, API keys,
QR and .ics tokens, check-in codes, password-reset codes."""

from __future__ import annotations

import json
import os
import stat
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.management import CommandError, call_command
from django.utils.crypto import salted_hmac

from renda.api.models import Open311Key
from renda.ballots import services as ballots
from renda.cases.services import check_code_matches
from renda.congress.models import Role, RoleGrant
from renda.core import keys
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.stations import services as stations
from renda.stations.services.qrcodes import QR_SALT
from tests.fixtures.ballots import approval_poll, shares_of, subject_ids
from tests.fixtures.cases import submit

K1, K2, K3 = "a" * 40, "b" * 40, "c" * 40


class Ring:
    """The ring as the environment gives it; rotate and retire as an operator would."""

    def __init__(self, settings):
        self.settings = settings
        self.conf = {"current": "1", "keys": {"1": K1}, "legacy": True}
        self._apply()

    def _apply(self):
        self.settings.RENDA_KEYS = json.dumps(self.conf)

    def rotate(self, secret=K2):
        kid = str(max(int(k) for k in self.conf["keys"]) + 1)
        self.conf["keys"][kid] = secret
        self.conf["current"] = kid
        self._apply()

    def retire(self, kid):
        if kid == keys.LEGACY:
            self.conf["legacy"] = False
        else:
            del self.conf["keys"][kid]
        self._apply()


@pytest.fixture
def ring(settings):
    return Ring(settings)


def test_keys_are_not_secret_key(ring, settings):
    assert keys.current().id == "1"
    assert keys.digest("p", "v") != salted_hmac("p", "v").hexdigest()
    assert keys.digest("p", "v") == salted_hmac("p", "v", secret=K1, algorithm="sha256").hexdigest()
    settings.SECRET_KEY = "another-secret-key-entirely-" * 2
    assert keys.digest("p", "v") == salted_hmac("p", "v", secret=K1, algorithm="sha256").hexdigest()


def test_rotate_old_verifies_new_uses_new_version_retired_fails(ring):
    old = keys.digest("p", "value")
    old_token = keys.dumps({"x": 1}, salt="s")
    old_hex = keys.hex_token("h", "value")
    assert old_token.startswith("1~") and old_hex.startswith("1.")
    ring.rotate()
    assert keys.current().id == "2"
    new = keys.digest("p", "value")
    assert new != old and {old, new} <= set(keys.digests("p", "value"))
    assert keys.matches(old, "p", "value") and keys.matches(new, "p", "value")
    assert keys.loads(old_token, salt="s") == {"x": 1}
    assert keys.dumps({"x": 1}, salt="s").startswith("2~")
    assert keys.hex_token_matches(old_hex, "h", "value")
    assert keys.hex_token("h", "value").startswith("2.")
    ring.retire("1")
    assert not keys.matches(old, "p", "value") and keys.matches(new, "p", "value")
    with pytest.raises(signing.BadSignature):
        keys.loads(old_token, salt="s")
    assert not keys.hex_token_matches(old_hex, "h", "value")


def test_a_token_cannot_claim_another_version(ring):
    token = keys.dumps({"x": 1}, salt="s")
    ring.rotate()
    with pytest.raises(signing.BadSignature):
        keys.loads("2~" + token.split("~", 1)[1], salt="s")
    with pytest.raises(signing.BadSignature):
        keys.loads("9~" + token.split("~", 1)[1], salt="s")


def test_legacy_values_made_with_secret_key_verify_until_retired(ring, settings):
    legacy_hash = salted_hmac("p", "value").hexdigest()
    legacy_token = signing.dumps({"x": 1}, salt="s")
    legacy_hex = salted_hmac("h", "value").hexdigest()[:32]
    assert keys.matches(legacy_hash, "p", "value")
    assert keys.loads(legacy_token, salt="s") == {"x": 1}
    assert keys.hex_token_matches(legacy_hex, "h", "value")
    # SECRET_KEY rotated with Django's fallbacks: the legacy values still verify.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-django-secret-key-" * 3
    assert keys.matches(legacy_hash, "p", "value")
    assert keys.loads(legacy_token, salt="s") == {"x": 1}
    ring.retire(keys.LEGACY)
    assert not keys.matches(legacy_hash, "p", "value")
    with pytest.raises(signing.BadSignature):
        keys.loads(legacy_token, salt="s")
    assert not keys.hex_token_matches(legacy_hex, "h", "value")


def test_check_codes_across_a_rotation(ring, cases_world):
    before = submit(cases_world)
    ring.rotate()
    after = submit(cases_world)
    assert check_code_matches(before.case, before.code)
    assert check_code_matches(after.case, after.code)
    assert after.case.check_code_hash == keys.digest(
        "renda.cases.check-code", f"{after.case.serial}:{after.code}"
    )
    assert not check_code_matches(before.case, after.code)
    ring.retire("1")
    assert not check_code_matches(before.case, before.code)
    assert check_code_matches(after.case, after.code)


def test_voter_codes_and_receipts_across_a_rotation(ring, world):
    poll = approval_poll(world, electorate_kind="invited", codes_planned=3)
    codes = ballots.open_poll(poll, electorate=[], codes=3, acting_user=world.staff).codes
    poll.refresh_from_db()
    (item,) = subject_ids(poll)
    receipt_v1 = ballots.cast_with_code(poll, code=codes[0], choices={item: "yes"})
    ring.rotate()
    assert ballots.all_codes_unused(poll, codes[1:])
    assert ballots.poll_for_code(codes[1]) == poll
    receipt_v2 = ballots.cast_with_code(poll, code=codes[1], choices={item: "no"})
    ballots.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    listed = ballots.receipts(poll)
    assert ballots.receipt_listed(poll, receipt_v1) and ballots.receipt_listed(poll, receipt_v2)
    assert ballots.receipt_hash(receipt_v1, poll) in listed
    assert ballots.receipt_hash(receipt_v2, poll) in listed
    ring.retire("1")
    assert not ballots.receipt_listed(poll, receipt_v1)
    assert ballots.receipt_listed(poll, receipt_v2)


def test_a_voter_code_of_a_retired_version_no_longer_opens_the_ballot(ring, world):
    poll = approval_poll(world, electorate_kind="invited", codes_planned=2)
    codes = ballots.open_poll(poll, electorate=[], codes=2, acting_user=world.staff).codes
    ring.rotate()
    ring.retire("1")
    assert ballots.poll_for_code(codes[0]) is None
    assert not ballots.all_codes_unused(poll, codes)


def test_paper_entries_agree_across_a_rotation(ring, world):
    second = get_user_model().objects.create_user(username="teller2", password="pw-for-tests-1")
    RoleGrant.objects.create(user=second, role=Role.STAFF, congress=world.c_a)
    poll = approval_poll(world)
    ballots.open_poll(poll, electorate=[], paper=True, acting_user=world.staff)
    (item,) = subject_ids(poll)
    entry = [{item: "yes"}, {item: "yes"}, {item: "no"}]
    ballots.enter_paper_batch(poll, number=1, ballots=entry, teller=world.staff)
    ring.rotate()
    with pytest.raises(DomainError, match="1 张选票与第二次录入中的 1 张"):  # counted right
        ballots.enter_paper_batch(poll, number=1, ballots=entry[:2] + entry[:1], teller=second)
    batch = ballots.enter_paper_batch(poll, number=1, ballots=entry[::-1], teller=second)
    assert batch.agreed


def test_api_keys_across_a_rotation(ring, world):
    key, secret = Open311Key.issue(name="12345", congress=world.c_a)
    ring.rotate()
    assert Open311Key.authenticate(secret) == key
    key2, secret2 = Open311Key.issue(name="政务", congress=world.c_a)
    assert key2.key_hash == keys.digest("renda.api.credential", secret2)
    ring.retire("1")
    assert Open311Key.authenticate(secret) is None
    assert Open311Key.authenticate(secret2) == key2


def test_printed_qr_ics_and_checkin_tokens_across_a_rotation(ring, world):
    deputy = world.deputy_a
    station = SimpleNamespace(pk=7, congress_id=world.c_a.pk)
    qr = stations.qr_token(deputy=deputy, congress_id=world.c_a.pk)
    ics = stations.calendar_token(deputy)
    checkin = stations.checkin_code(station)
    ring.rotate()
    assert keys.loads(qr, salt=QR_SALT) == {"c": world.c_a.pk, "d": deputy.pk}
    assert stations.calendar_token_matches(deputy, ics)
    assert keys.timestamp_unsign(checkin, salt="renda.stations.checkin") == f"{world.c_a.pk}.7"
    assert stations.qr_token(deputy=deputy, congress_id=world.c_a.pk).startswith("2~")
    assert stations.calendar_token(deputy).startswith("2.")
    ring.retire("1")
    assert stations.resolve_qr_token(qr, world.c_a.pk) == (None, None)
    assert not stations.calendar_token_matches(deputy, ics)
    with pytest.raises(signing.BadSignature):
        keys.timestamp_unsign(checkin, salt="renda.stations.checkin")


def test_rotate_keys_command_writes_the_file_and_the_log(db, settings, tmp_path):
    settings.RENDA_KEYS = ""
    settings.RENDA_KEYS_FILE = str(tmp_path / "keys.json")
    assert keys.current().id == "1"  # the embedded mode creates version 1 on first use
    path = tmp_path / "keys.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    old = keys.digest("p", "v")
    call_command("rotate_keys")
    assert keys.current().id == "2" and keys.matches(old, "p", "v")
    assert json.loads(path.read_text())["current"] == "2"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(CommandError, match="current"):
        call_command("rotate_keys", "--retire", "2")
    call_command("rotate_keys", "--retire", "1")
    assert not keys.matches(old, "p", "v")
    call_command("rotate_keys", "--retire", "0")
    assert [k.id for k in keys.ring()] == ["2"]
    with pytest.raises(CommandError, match="no key version 5"):
        call_command("rotate_keys", "--retire", "5")
    log = list(ActionLog.objects.filter(action__startswith="keys.").order_by("id"))
    assert [e.action for e in log] == ["keys.rotated", "keys.retired", "keys.retired"]
    assert all(K1 not in json.dumps(e.changes) for e in log)
    secret = json.loads(path.read_text())["keys"]["2"]
    assert not ActionLog.objects.filter(note__contains=secret).exists()


def test_a_ring_from_the_environment_is_printed_not_written(ring, tmp_path, settings, capsys):
    settings.RENDA_KEYS_FILE = str(tmp_path / "keys.json")
    call_command("rotate_keys")
    printed = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert printed["current"] == "2" and set(printed["keys"]) == {"1", "2"}
    assert not (tmp_path / "keys.json").exists()


def test_production_without_a_ring_uses_secret_key_and_the_deploy_check_says_so(settings, tmp_path):
    settings.RENDA_KEYS = ""
    settings.RENDA_KEYS_FILE = str(tmp_path / "none.json")
    settings.PRODUCTION = True
    assert keys.current().id == keys.LEGACY
    assert keys.digest("p", "v") == salted_hmac("p", "v").hexdigest()
    assert not (tmp_path / "none.json").exists()
    assert [w.id for w in keys.deploy_check()] == ["renda.W001"]
    settings.RENDA_KEYS = json.dumps({"current": "1", "keys": {"1": K3}})
    assert keys.deploy_check() == []


def test_a_bad_ring_is_refused(settings):
    settings.RENDA_KEYS = json.dumps({"current": "1", "keys": {"1": "short"}})
    with pytest.raises(keys.KeyConfigError):
        keys.current()
    settings.RENDA_KEYS = json.dumps({"current": "3", "keys": {"1": K1}})
    with pytest.raises(keys.KeyConfigError):
        keys.current()
