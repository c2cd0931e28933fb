"""The case engine's own pages: the presidium office's (`/cases/…`) and the departments'
(`/department/…`). Front doors mount their pages in their own apps."""

from django.urls import path

from renda.cases.views import department, imports, office

app_name = "cases"

urlpatterns = [
    # The presidium office.
    path("cases/", office.inbox, name="office_inbox"),
    path("cases/assign/", office.bulk_assign, name="bulk_assign"),
    path("cases/figures/", office.figures_page, name="figures"),
    path("cases/district/", office.district, name="district"),
    path("cases/ledger.xlsx", imports.opinion_ledger, name="opinion_ledger"),
    path("cases/import/", imports.imports_page, name="ledger_imports"),
    path("cases/import/template.xlsx", imports.import_template, name="ledger_template"),
    path("cases/import/<int:pk>/", imports.import_detail, name="ledger_import"),
    path("cases/import/<int:pk>/progress/", imports.import_progress, name="ledger_progress"),
    path("cases/import/<int:pk>/confirm/", imports.import_confirm, name="ledger_confirm"),
    path("cases/attachments/<int:pk>/", office.attachment, name="attachment"),
    path("cases/<int:pk>/", office.case_detail, name="office_case"),
    path("cases/<int:pk>/contact/", office.reveal_contact, name="reveal_contact"),
    path("cases/<int:pk>/<slug:action>/", office.case_action, name="office_action"),
    # The departments.
    path("department/", department.inbox, name="department_inbox"),
    path("department/cases/<int:pk>/", department.case_detail, name="department_case"),
    path(
        "department/cases/<int:pk>/<slug:action>/",
        department.case_action,
        name="department_action",
    ),
]
