from django.urls import URLPattern, URLResolver, path

from renda.reports import views

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("office/reports/", views.index, name="index"),
    path("office/reports/<int:congress_id>/<int:year>/", views.year_page, name="year"),
    path(
        "office/reports/<int:congress_id>/<int:year>/figures/<slug:key>/",
        views.evidence_page,
        name="evidence",
    ),
    path(
        "office/reports/<int:congress_id>/<int:year>/towns/", views.district_page, name="district"
    ),
    path("office/reports/<int:congress_id>/<int:year>/draft/", views.draft, name="draft"),
    path("office/reports/<int:congress_id>/<int:year>/texts/", views.save_texts, name="texts"),
    path("office/reports/<int:congress_id>/<int:year>/final/", views.upload_final, name="final"),
    path(
        "office/reports/<int:congress_id>/<int:year>/template/",
        views.upload_template,
        name="template_upload",
    ),
    path(
        "office/reports/<int:congress_id>/template.docx",
        views.template_download,
        name="template",
    ),
    path("office/reports/versions/<int:pk>/", views.version_download, name="version"),
    path(
        "office/reports/<int:congress_id>/publications/",
        views.publications,
        name="publications",
    ),
    path(
        "office/reports/publications/<int:pk>/withdraw/",
        views.withdraw_publication,
        name="withdraw_publication",
    ),
]
