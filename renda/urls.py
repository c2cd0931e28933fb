from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from renda.api.rest import api as rest_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("renda.core.urls")),
    path("", include("renda.congress.urls")),
    path("", include("renda.cases.urls")),
    path("", include("renda.opinions.urls")),
    path("", include("renda.suggestions.urls")),
    path("", include("renda.stations.urls")),
    path("", include("renda.projects.urls")),
    path("", include("renda.ballots.urls")),
    path("", include("renda.appraisals.urls")),
    path("", include("renda.activities.urls")),
    path("", include("renda.records.urls")),
    path("", include("renda.reports.urls")),
    path("portal/", include("renda.portal.urls")),
    path("open311/v2/", include("renda.api.open311_urls")),
    path("captcha/", include("captcha.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", rest_api.urls),
]

if settings.RENDA_BENCH:  # the benchmark baseline; off unless RENDA_BENCH=1
    from renda.core.views.bench import insert_one_row

    urlpatterns.append(path("bench/insert/", insert_one_row))

# Uploaded files (MEDIA_ROOT) have no URL of their own, not even in development: each is
# served by a view that checks who may read it, with its verified type (renda.core.uploads).

# Error pages in Chinese, in the site's frame, with a way back (renda.core.views.errors).
# A locked or lost database is a 503 "busy" page (or API error), not a bare 500.
handler400 = "renda.core.views.errors.bad_request"
handler403 = "renda.core.views.errors.permission_denied"
handler404 = "renda.core.views.errors.page_not_found"
handler500 = "renda.core.views.errors.server_error"
