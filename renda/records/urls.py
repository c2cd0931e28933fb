from django.urls import URLPattern, URLResolver, path

from renda.records.views import deputy, public, staff

app_name = "records"

urlpatterns: list[URLPattern | URLResolver] = [
    # The presidium office.
    path("office/records/", staff.office, name="office"),
    path("office/records/export.xlsx", staff.export, name="export"),
    path("office/records/points/", staff.tables, name="tables"),
    path("office/records/points/new/", staff.new_table, name="table_new"),
    path("office/records/points/<int:pk>/", staff.table, name="table"),
    path(
        "office/records/<int:congress_id>/deputies/<int:pk>/",
        staff.deputy_record,
        name="deputy",
    ),
    path(
        "office/records/<int:congress_id>/deputies/<int:pk>/report.docx",
        staff.report_docx,
        name="report_docx",
    ),
    path(
        "office/records/<int:congress_id>/deputies/<int:pk>/attach/",
        staff.attach_report,
        name="attach_report",
    ),
    # The deputy (phone pages).
    path("records/mine/", deputy.mine, name="mine"),
    path("records/mine/report.docx", deputy.my_report, name="my_report"),
    path("records/mine/public/", deputy.my_profile, name="my_profile"),
    # The public (代表风采).
    path("public/deputies/", public.towns, name="public_towns"),
    path("public/deputies/<int:congress_id>/", public.index, name="public_index"),
    path("public/deputies/<int:congress_id>/<int:pk>/", public.page, name="public_page"),
    path("public/deputies/<int:congress_id>/<int:pk>/photo/", public.photo, name="public_photo"),
]
