"""The `demo` fixture: the demo district is seeded once per process and restored per test;
a test that does not ask for it sees none of it, and a test that changed it (even committed,
in a transactional test) leaves the next one an unpolluted demo."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from renda.appraisals.models import ReportDocument
from renda.congress.models import Congress, Deputy
from renda.core.models import ActionLog
from renda.portal.models import Article, SearchDocument
from tests.fixtures.demo import DEMO_CONGRESS, restore


def _fingerprint() -> tuple:
    return (
        Congress.objects.count(),
        Deputy.objects.count(),
        ActionLog.objects.count(),
        sorted(Deputy.objects.values_list("name", flat=True))[:5],
    )


def test_a_test_without_the_demo_sees_none_of_it(db, demo_snapshot):
    # demo_snapshot: the seed has run in this process (and was rolled back).
    assert Congress.objects.count() == 0
    assert Deputy.objects.count() == 0
    assert ActionLog.objects.count() == 0


def test_the_demo_is_there_with_its_files(demo):
    assert demo.name == DEMO_CONGRESS
    assert Congress.objects.count() == 5 and Deputy.objects.count() > 100
    document = ReportDocument.objects.first()
    assert document is not None and document.file.read(4) == b"PK\x03\x04"  # a .docx


def _as_seeded(snapshot) -> bool:  # noqa: ANN001
    """Every table holds as many rows as the seed left in it."""
    with connection.cursor() as cursor:
        for table in snapshot.tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table.name)}")  # noqa: S608
            seeded = table.rows.count(b"\n") if isinstance(table.rows, bytes) else len(table.rows)
            if cursor.fetchone()[0] != seeded:
                return False
    return True


def test_a_test_may_change_the_demo(demo, demo_snapshot):
    assert _as_seeded(demo_snapshot)
    Congress.objects.filter(pk=demo.pk).update(name="改过的名字")
    Deputy.objects.update(name="同一个名字")
    with connection.cursor() as cursor:  # the append-only triggers are off in the tests
        cursor.execute("DELETE FROM core_actionlog")
    assert not _as_seeded(demo_snapshot)


def test_the_next_one_gets_the_demo_as_seeded(demo, demo_snapshot):
    assert _as_seeded(demo_snapshot)
    assert Congress.objects.filter(name=DEMO_CONGRESS).exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_gets_the_demo_committed_and_it_survives_a_flush(demo, demo_snapshot):
    from django.contrib.contenttypes.models import ContentType

    pristine = _fingerprint()
    Congress.objects.filter(pk=demo.pk).update(name="改过的名字")
    # What the teardown of a transactional test does: empty every table; content types and
    # permissions are created again, under new ids.
    call_command("flush", interactive=False, reset_sequences=False, verbosity=0)
    assert Congress.objects.count() == 0 and ContentType.objects.exists()
    restore(demo_snapshot)
    assert _fingerprint() == pristine and _as_seeded(demo_snapshot)
    assert Congress.objects.get(name=DEMO_CONGRESS).pk == demo.pk
    # Content types are the demo's own again (the flush gave them new ids): the search
    # index's rows point at the right models.
    assert ContentType.objects.get_for_model(Congress).model_class() is Congress
    indexed = {d.content_type.model_class() for d in SearchDocument.objects.all()}
    assert Article in indexed and None not in indexed


def test_the_demo_refuses_rows_written_before_it(world, demo_snapshot):
    with pytest.raises(pytest.fail.Exception, match="ask for `demo` before"):
        restore(demo_snapshot)
