"""The notification outbox (renda.core.notify): written with the change, sent after the
commit, retried with backoff, failed after the last attempt, never sent twice, masked,
pruned. Runs on SQLite and PostgreSQL; the concurrent-workers race on PostgreSQL only."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from renda.core import notify
from renda.core.models import Notification, OutboxChannel, OutboxMessage, OutboxStatus
from renda.core.notify import MemorySMSBackend


class FailingSMSBackend:
    """A provider that is down: every send raises."""

    calls = 0

    def send(self, message: notify.SMS) -> None:
        FailingSMSBackend.calls += 1
        raise ConnectionError(f"provider unreachable while texting {message.phone}")


class RefusingSMSBackend:
    def send(self, message: notify.SMS) -> None:
        raise notify.DeliveryRefused("number not in service")


class ReceiptSMSBackend:
    def send(self, message: notify.SMS) -> dict:
        MemorySMSBackend.outbox.append(message)
        return {"provider": "test", "message_id": f"m-{message.ref}"}


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    MemorySMSBackend.outbox.clear()
    FailingSMSBackend.calls = 0


def _failing_inbox(row):  # noqa: ANN001, ANN202
    raise RuntimeError("inbox unavailable")


def test_a_message_is_written_with_the_change_and_sent_after_the_commit(
    world, django_capture_on_commit_callbacks
):
    """The embedded mode: the in-app message is delivered inside the change's transaction
    (one write transaction, exactly once); the SMS, an outside service, after the commit."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify.notify_on_commit(
            [world.staff, world.staff, None], "新案件 QH-1", "路灯坏了", "/c/1/"
        )
        notify.sms_on_commit("13812345678", "您的意见已受理")
        # Inside the transaction: the inbox rows are written with the change (and would
        # roll back with it); the SMS is not sent yet.
        rows = list(OutboxMessage.objects.order_by("pk"))
        assert [(r.channel, r.status) for r in rows] == [
            (OutboxChannel.INBOX, OutboxStatus.SENT),
            (OutboxChannel.SMS, OutboxStatus.PENDING),
        ]
        assert rows[0].result == {"delivered": 1}  # once per user
        assert Notification.objects.count() == 1 and MemorySMSBackend.outbox == []
    # After the commit: delivered once, recorded, and the text is no longer kept.
    [note] = Notification.objects.all()
    assert (note.recipient, note.title, note.body, note.url) == (
        world.staff,
        "新案件 QH-1",
        "路灯坏了",
        "/c/1/",
    )
    [sms] = MemorySMSBackend.outbox
    assert (sms.phone, sms.text, sms.ref) == ("13812345678", "您的意见已受理", str(rows[1].pk))
    for row in OutboxMessage.objects.all():
        assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at
        assert row.payload == {} and row.claim == ""
    # Running the sweep again sends nothing twice.
    assert notify.drain() == {}
    assert Notification.objects.count() == 1 and len(MemorySMSBackend.outbox) == 1


def test_in_production_every_channel_waits_for_the_worker(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """With a worker (CELERY_TASK_ALWAYS_EAGER off) the change's transaction writes the
    outbox rows only (one row whatever the number of recipients); the worker delivers."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(notify.current_app, "send_task", lambda name, args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify.notify_on_commit([world.staff, world.deputy_user], "新案件 QH-1")
        notify.sms_on_commit("13812345678", "您的意见已受理")
        rows = list(OutboxMessage.objects.order_by("pk"))
        assert [(r.channel, r.status, r.attempts) for r in rows] == [
            (OutboxChannel.INBOX, OutboxStatus.PENDING, 0),
            (OutboxChannel.SMS, OutboxStatus.PENDING, 0),
        ]
        assert rows[0].payload["users"] == [world.staff.pk, world.deputy_user.pk]
        assert not Notification.objects.exists()
    assert sent == [[[rows[0].pk]], [[rows[1].pk]]]  # one nudge per queued change
    assert notify.deliver([r.pk for r in rows]) == {"sent": 2}
    assert Notification.objects.count() == 2 and len(MemorySMSBackend.outbox) == 1


def test_a_change_that_rolls_back_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            notify.notify_on_commit([world.staff], "不会发出")
            notify.sms_on_commit("13812345678", "不会发出")
            _ = 1 / 0
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists() and MemorySMSBackend.outbox == []


def test_email_goes_to_each_address_separately(world, django_capture_on_commit_callbacks):
    world.staff.email = "office@qinghe.example"
    world.staff.save(update_fields=["email"])
    world.deputy_user.email = "deputy@qinghe.example"
    world.deputy_user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_on_commit(
            [world.staff, world.deputy_user], "会议通知", "明天开会", email=True
        )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "deputy@qinghe.example",
        "office@qinghe.example",
    ]
    assert all(len(m.to) == 1 and m.subject == "会议通知" for m in mail.outbox)
    assert Notification.objects.count() == 2


def test_a_failing_sms_provider_is_retried_with_backoff_then_marked_failed(
    world, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_SMS_BACKEND = "tests.core.test_notify_outbox.FailingSMSBackend"
    settings.RENDA_OUTBOX_MAX_ATTEMPTS = 3
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notify.sms_on_commit("13812345678", "您的意见已受理")  # the nudge's attempt fails
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.last_error.startswith("ConnectionError: provider unreachable")
    assert "13812345678" not in row.last_error and "138****5678" in row.last_error
    # The second wait is twice the first: 30 s, then 60 s (RENDA_OUTBOX_RETRY_SECONDS).
    assert before + dt.timedelta(seconds=29) < row.next_attempt_at
    assert row.next_attempt_at < timezone.now() + dt.timedelta(seconds=31)
    assert notify.drain() == {}  # not due yet
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert notify.drain() == {"retry": 1}
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at > timezone.now() + dt.timedelta(seconds=59)
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert notify.drain() == {"failed": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts, FailingSMSBackend.calls) == (OutboxStatus.FAILED, 3, 3)
    assert row.payload["text"] == "您的意见已受理"  # kept for the office to see what failed
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert notify.drain() == {} and FailingSMSBackend.calls == 3  # failed is final


def test_a_failing_inbox_is_retried_then_delivered_once(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.RENDA_OUTBOX_RETRY_SECONDS = 0
    working = notify.CHANNELS[OutboxChannel.INBOX]
    monkeypatch.setitem(notify.CHANNELS, OutboxChannel.INBOX, notify.Channel(_failing_inbox, True))
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_on_commit([world.staff, world.deputy_user], "新案件")
    assert notify.drain() == {"retry": 1}
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.last_error) == (
        OutboxStatus.PENDING,
        2,
        "RuntimeError: inbox unavailable",
    )
    assert not Notification.objects.exists()
    monkeypatch.setitem(notify.CHANNELS, OutboxChannel.INBOX, working)
    assert notify.drain() == {"sent": 1}
    assert Notification.objects.count() == 2
    assert notify.drain() == {} and Notification.objects.count() == 2


def test_a_failing_inbox_is_marked_failed_after_the_last_attempt(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.RENDA_OUTBOX_RETRY_SECONDS = 0
    settings.RENDA_OUTBOX_MAX_ATTEMPTS = 4
    monkeypatch.setitem(notify.CHANNELS, OutboxChannel.INBOX, notify.Channel(_failing_inbox, True))
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_on_commit([world.staff], "新案件")
    outcomes = [notify.drain() for _run in range(5)]
    assert outcomes == [{"retry": 1}, {"retry": 1}, {"failed": 1}, {}, {}]
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 4)
    assert not Notification.objects.exists()


def test_a_refusal_fails_at_once_and_a_deferral_spends_no_attempt(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.RENDA_SMS_BACKEND = "tests.core.test_notify_outbox.RefusingSMSBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notify.sms_on_commit("13812345678", "通知")
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert row.last_error == "DeliveryRefused: number not in service"

    tomorrow = timezone.now() + dt.timedelta(days=1)

    def capped(row):  # noqa: ANN001, ANN202
        raise notify.DeliveryDeferred(tomorrow, "daily cap reached")

    monkeypatch.setitem(notify.CHANNELS, OutboxChannel.SMS, notify.Channel(capped))
    with django_capture_on_commit_callbacks(execute=True):
        notify.sms_on_commit("13900000000", "通知")
    row = OutboxMessage.objects.get(recipient="13900000000")
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 0, tomorrow)


def test_what_a_provider_reports_is_kept(world, settings, django_capture_on_commit_callbacks):
    settings.RENDA_SMS_BACKEND = "tests.core.test_notify_outbox.ReceiptSMSBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notify.sms_on_commit("13812345678", kind="case_answered", params={"serial": "QH-1"})
    row = OutboxMessage.objects.get()
    assert row.result == {"provider": "test", "message_id": f"m-{row.pk}"}
    [sms] = MemorySMSBackend.outbox
    assert (sms.kind, sms.params) == ("case_answered", {"serial": "QH-1"})


def test_a_claimed_row_is_not_taken_by_a_second_worker(world, settings):
    notify.sms_on_commit("13812345678", "通知")  # autocommit here: nudged at once, sent
    OutboxMessage.objects.update(status=OutboxStatus.PENDING, sent_at=None)
    MemorySMSBackend.outbox.clear()
    [row] = notify._claim("worker-a", None, 10)
    # Worker B finds nothing while A's claim holds.
    assert notify.deliver() == {} and MemorySMSBackend.outbox == []
    assert notify._send(row, "worker-a") == "sent"
    assert len(MemorySMSBackend.outbox) == 1
    # A claim that expired (its worker died) is taken over; the old holder records nothing.
    OutboxMessage.objects.update(
        status=OutboxStatus.SENDING, claim="worker-a", claimed_until=timezone.now()
    )
    stale = OutboxMessage.objects.get()
    assert notify.deliver() == {"sent": 1}
    assert notify._send(stale, "worker-a") == "lost"
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_the_nudge_never_fails_the_change(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Production: the nudge is a Celery message. A broker that is down is logged, and the
    row waits for the sweep."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []

    def broker_down(name, args, **kw):  # noqa: ANN001, ANN003, ANN202
        sent.append((name, args))
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(notify.current_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_on_commit([world.staff], "新案件")
    row = OutboxMessage.objects.get()
    assert sent == [("renda.core.deliver_outbox", [[row.pk]])]
    assert row.status == OutboxStatus.PENDING and not Notification.objects.exists()
    assert notify.drain() == {"sent": 1} and Notification.objects.count() == 1


def test_personal_data_is_masked_in_listings(world):
    sms = OutboxMessage(channel=OutboxChannel.SMS, recipient="13812345678")
    email = OutboxMessage(channel=OutboxChannel.EMAIL, recipient="zhao@qinghe.example")
    assert "13812345678" not in str(sms) and sms.masked_recipient == "138****5678"
    assert email.masked_recipient == "z***@qinghe.example"
    error = notify._describe(OSError("13812345678 / zhao@qinghe.example refused"))
    assert error == "OSError: 138****5678 / z***@qinghe.example refused"


def test_old_sent_and_failed_rows_are_pruned(world, settings):
    settings.RENDA_OUTBOX_RETENTION_DAYS = 30
    for status in OutboxStatus.values:
        OutboxMessage.objects.create(channel=OutboxChannel.SMS, recipient="1", status=status)
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(days=31))
    OutboxMessage.objects.create(channel=OutboxChannel.SMS, recipient="2", status="sent")
    assert notify.prune() == 2
    assert sorted(OutboxMessage.objects.values_list("status", "recipient")) == [
        ("pending", "1"),
        ("sending", "1"),
        ("sent", "2"),
    ]


def test_the_embedded_runner_sweeps_the_outbox_every_few_seconds(world, settings, monkeypatch):
    from renda.core.management.commands import run_periodic

    # The real settings: the sweep is a periodic job with an interval of a few seconds.
    sweep = "renda.core.tasks.drain_outbox"
    assert sweep in settings.RENDA_PERIODIC_JOBS
    assert settings.RENDA_PERIODIC_INTERVALS[sweep] <= 10
    assert "renda.core.tasks.prune_outbox" in settings.RENDA_PERIODIC_JOBS

    settings.RENDA_PERIODIC_JOBS = ["fast", "slow"]
    settings.RENDA_PERIODIC_INTERVALS = {"fast": 5}
    runs: list[tuple[str, float]] = []

    class Clock:
        now = 0.0

        def monotonic(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            self.now += seconds
            if self.now > 30:
                raise KeyboardInterrupt

    clock = Clock()
    monkeypatch.setattr(run_periodic, "time", clock)
    monkeypatch.setattr(
        run_periodic, "import_string", lambda path: lambda: runs.append((path, clock.now))
    )
    with pytest.raises(KeyboardInterrupt):
        call_command("run_periodic", "--interval", "60")
    assert [t for path, t in runs if path == "fast"] == [0, 5, 10, 15, 20, 25, 30]
    assert [t for path, t in runs if path == "slow"] == [0]


def test_the_periodic_jobs_send_what_waits(world, settings, monkeypatch):
    # Production mode with a nudge that no worker took: the sweep sends the row.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(notify.current_app, "send_task", lambda *args, **kw: None)
    settings.RENDA_PERIODIC_JOBS = ["renda.core.tasks.drain_outbox"]
    notify.sms_on_commit("13812345678", "通知")
    assert MemorySMSBackend.outbox == []
    call_command("run_periodic", "--once", stdout=io.StringIO())
    assert [m.phone for m in MemorySMSBackend.outbox] == ["13812345678"]


@pytest.mark.django_db(transaction=True)
def test_workers_and_nudges_never_send_a_row_twice(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) are exercised on PostgreSQL")
    settings.RENDA_OUTBOX_BATCH = 7
    rows = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(channel=OutboxChannel.SMS, recipient=f"1380000{i:04d}", payload={})
            for i in range(120)
        ]
    )
    ids = [row.pk for row in rows]
    # Three sweeping workers, and three nudges (each for its own rows, as after three
    # commits) racing them.
    jobs = [lambda: notify.drain(batches=100)] * 3 + [
        lambda part=part: notify.deliver(ids[part * 40 : part * 40 + 40]) for part in range(3)
    ]
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job) -> None:  # noqa: ANN001
        try:
            barrier.wait()
            job()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    notify.drain()  # whatever a nudge left for the sweep
    refs = [m.ref for m in MemorySMSBackend.outbox]
    assert len(refs) == 120 and len(set(refs)) == 120
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT, attempts=1).count() == 120


def test_the_nudge_runs_on_the_default_queue_and_the_sweep_on_the_periodic_one():
    from renda.celery import app
    from renda.core import tasks

    assert tasks.deliver_outbox.name == "renda.core.deliver_outbox"
    assert app.amqp.router.route({}, "renda.core.deliver_outbox")["queue"].name == "default"
    assert app.amqp.router.route({}, "renda.core.drain_outbox")["queue"].name == "periodic"


def test_the_operator_lists_the_outbox_masked_and_requeues_failed_rows(world):
    failed = OutboxMessage.objects.create(
        channel=OutboxChannel.SMS,
        recipient="13812345678",
        payload={"text": "您的验证码是 123456"},
        status=OutboxStatus.FAILED,
        attempts=8,
        last_error="ConnectionError: gateway down",
    )
    OutboxMessage.objects.create(channel=OutboxChannel.INBOX, status=OutboxStatus.SENT)
    out = io.StringIO()
    call_command("outbox", stdout=out)
    listing = out.getvalue()
    assert "sms    failed   1" in listing and "inbox  sent     1" in listing
    assert f"#{failed.pk} sms - 138****5678 attempts=8" in listing
    assert "13812345678" not in listing and "123456" not in listing
    call_command("outbox", "--requeue", str(failed.pk), stdout=io.StringIO())
    assert notify.drain() == {"sent": 1}
    assert [m.text for m in MemorySMSBackend.outbox] == ["您的验证码是 123456"]
