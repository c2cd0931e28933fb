"""View counts (点击次数): exact under concurrent readers and flushers, no database write per
view, once per client per window, bots left out; on a per-process local-memory cache, on
the embedded mode's shared SQLite cache (also from several processes at once) and on
Redis."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.portal import viewcount
from renda.portal.models import Article
from renda.portal.views import public
from tests.fixtures.portal import portal_world, publish  # noqa: F401

pytestmark = pytest.mark.usefixtures("portal_world")

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/4", socket_connect_timeout=0.5).ping()
    except Exception:
        return False
    return True


@pytest.fixture(autouse=True)
def _no_pending_counts_from_other_tests():
    caches["portal_views"].clear()


@pytest.fixture(params=["locmem", "embedded", "redis"])
def counting_cache(request, settings):
    if request.param == "locmem":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "portal_views": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "portal-views",
            },
        }
    if request.param == "redis":
        if not _redis_available():
            pytest.skip("no Redis on 127.0.0.1:6379")
        redis_cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/4",
            "KEY_PREFIX": "renda-portal-tests",
        }
        settings.CACHES = {
            "default": redis_cache,
            "portal_views": {**redis_cache, "KEY_PREFIX": "renda-portal-tests-views"},
        }
    cache.clear()
    caches["portal_views"].clear()
    yield request.param
    cache.clear()
    caches["portal_views"].clear()


def _hammer(article_id: int, views: int, *, threads: int = 32, flusher: bool = True) -> int:
    """`views` distinct clients view the article from `threads` threads while another
    thread keeps flushing; returns the views the flusher moved meanwhile."""
    done = threading.Event()
    moved = [0]

    def flush_loop() -> None:
        while not done.is_set():
            moved[0] += viewcount.flush_article(article_id)
        connection.close()

    flusher_thread = threading.Thread(target=flush_loop)
    if flusher:
        flusher_thread.start()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(
            pool.map(lambda n: viewcount.record_view(article_id, f"client-{n}"), range(views))
        )
    done.set()
    if flusher:
        flusher_thread.join()
    assert all(results)
    return moved[0]


@pytest.mark.django_db(transaction=True)
def test_thousand_concurrent_views_end_at_exactly_thousand(world, counting_cache, settings):  # noqa: E501
    # Views only count in the cache; one flusher thread writes to the database meanwhile.
    settings.RENDA_PORTAL_VIEW_BATCH = 10**9
    settings.RENDA_PORTAL_VIEW_FLUSH_SECONDS = 3600
    article = publish(world)
    viewcount._counts().add(viewcount.FLUSH_LOCK.format(article.pk), 1, 3600)
    moved_meanwhile = _hammer(article.pk, 1000)
    viewcount.flush([article.pk])
    article.refresh_from_db()
    assert article.view_count == 1000
    assert viewcount.pending(article.pk) == 0
    assert moved_meanwhile <= 1000


def _view_from_a_process(barrier, queue, article_id: int, first: int, views: int) -> None:
    barrier.wait()
    queue.put(
        sum(viewcount.record_view(article_id, f"client-{n}") for n in range(first, first + views))
    )


@pytest.mark.django_db(transaction=True)
def test_thousand_views_from_several_processes_end_at_exactly_thousand(world, settings):
    """The app server's workers are processes: on the embedded store they count into one
    figure, while this process keeps flushing it into the database."""
    settings.RENDA_PORTAL_VIEW_BATCH = 10**9
    settings.RENDA_PORTAL_VIEW_FLUSH_SECONDS = 3600
    assert settings.CACHES["portal_views"]["BACKEND"] == "renda.core.sharedcache.SQLiteCache"
    article = publish(world)
    viewcount._counts().add(viewcount.FLUSH_LOCK.format(article.pk), 1, 3600)
    fork = multiprocessing.get_context("fork")
    processes, per_process = 4, 250
    # The flusher thread starts after the fork: a process forked while another thread is
    # inside SQLite could inherit a held lock.
    barrier, queue = fork.Barrier(processes + 1), fork.Queue()
    workers = [
        fork.Process(
            target=_view_from_a_process,
            args=(barrier, queue, article.pk, n * per_process, per_process),
        )
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    done = threading.Event()
    moved = [0]

    def flush_loop() -> None:
        while not done.is_set():
            moved[0] += viewcount.flush_article(article.pk)
        connection.close()

    flusher = threading.Thread(target=flush_loop)
    flusher.start()
    barrier.wait(timeout=60)  # everyone starts together
    try:
        counted = [queue.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
    finally:
        done.set()
        flusher.join()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    assert counted == [per_process] * processes
    viewcount.flush([article.pk])
    article.refresh_from_db()
    assert article.view_count == 1000
    assert viewcount.pending(article.pk) == 0
    assert moved[0] <= 1000


@pytest.mark.django_db(transaction=True)
def test_thousand_concurrent_page_views_through_the_view(world, settings):
    settings.RENDA_PORTAL_VIEW_BATCH = 10**9
    settings.RENDA_PORTAL_VIEW_FLUSH_SECONDS = 3600
    article = publish(world)
    viewcount._counts().add(viewcount.FLUSH_LOCK.format(article.pk), 1, 3600)
    factory = RequestFactory()

    def view(n: int) -> int:
        request = factory.get(
            reverse("portal:article", args=[article.pk]),
            REMOTE_ADDR=f"10.{n // 65536}.{(n // 256) % 256}.{n % 256}",
            HTTP_USER_AGENT=BROWSER,
        )
        try:
            return public.article(request, article.pk).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(view, range(1000)))
    assert statuses == [200] * 1000
    assert viewcount.shown_count(Article.objects.get(pk=article.pk)) == 1000
    viewcount.flush()
    assert Article.objects.get(pk=article.pk).view_count == 1000


def test_reloads_from_one_client_count_once_per_window(world, client, settings):
    article = publish(world)
    url = reverse("portal:article", args=[article.pk])
    for _ in range(25):
        client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.5")
    client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.6")
    assert viewcount.shown_count(Article.objects.get(pk=article.pk)) == 2
    cache.delete(viewcount.SEEN.format(article.pk, viewcount.client_key("203.0.113.5", BROWSER)))
    client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.5")  # window over
    assert viewcount.shown_count(Article.objects.get(pk=article.pk)) == 3


def test_known_bots_are_not_counted_unless_configured(world, client, settings):
    article = publish(world)
    url = reverse("portal:article", args=[article.pk])
    client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Baiduspider/2.0)")
    client.get(url, HTTP_USER_AGENT="curl/8.5.0")
    client.get(url)  # no user agent at all
    assert viewcount.shown_count(Article.objects.get(pk=article.pk)) == 0
    settings.RENDA_PORTAL_EXCLUDE_BOTS = False
    client.get(url, HTTP_USER_AGENT="curl/8.5.0")
    assert viewcount.shown_count(Article.objects.get(pk=article.pk)) == 1


def test_page_shows_database_count_plus_pending(world, client, settings):
    settings.RENDA_PORTAL_VIEW_BATCH = 10**9
    article = publish(world)
    Article.objects.filter(pk=article.pk).update(view_count=870)
    viewcount._counts().add(viewcount.FLUSH_LOCK.format(article.pk), 1, 3600)
    page = client.get(
        reverse("portal:article", args=[article.pk]), HTTP_USER_AGENT=BROWSER
    ).content.decode()
    assert '<span id="view-count">871</span>' in page
    assert Article.objects.get(pk=article.pk).view_count == 870  # still pending
    assert viewcount.flush() == 1
    assert Article.objects.get(pk=article.pk).view_count == 871


def test_counting_a_view_writes_nothing_to_the_database(world, settings):
    settings.RENDA_PORTAL_VIEW_BATCH = 10**9
    article = publish(world)
    viewcount._counts().add(viewcount.FLUSH_LOCK.format(article.pk), 1, 3600)
    with CaptureQueriesContext(connection) as queries:
        for n in range(50):
            viewcount.record_view(article.pk, f"c{n}")
    assert len(queries) == 0
    assert viewcount.pending(article.pk) == 50


def test_a_full_batch_is_flushed_with_one_update(world, settings):
    settings.RENDA_PORTAL_VIEW_BATCH = 20
    article = publish(world)
    viewcount._counts().add(viewcount.FLUSH_LOCK.format(article.pk), 1, 3600)
    with CaptureQueriesContext(connection) as queries:
        for n in range(20):
            viewcount.record_view(article.pk, f"c{n}")
    updates = [q for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert Article.objects.get(pk=article.pk).view_count == 20


def test_periodic_job_flushes_every_article(world, settings):
    from renda.portal.tasks import flush_view_counts

    settings.RENDA_PORTAL_VIEW_BATCH = 10**9
    first, second = publish(world, title="一"), publish(world, title="二")
    for article, n in ((first, 3), (second, 5)):
        viewcount._counts().add(viewcount.FLUSH_LOCK.format(article.pk), 1, 3600)
        for i in range(n):
            viewcount.record_view(article.pk, f"c{i}")
    assert flush_view_counts() == 8
    assert {a.pk: a.view_count for a in Article.objects.all()} == {first.pk: 3, second.pk: 5}
    assert flush_view_counts() == 0
