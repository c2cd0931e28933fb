from django.urls import path

from renda.opinions.views import public, staff

app_name = "opinions"

urlpatterns = [
    # The public front door.
    path("opinions/", public.index, name="index"),
    path("opinions/<int:congress_id>/new/", public.submit, name="submit"),
    path("opinions/<int:congress_id>/similar/", public.similar, name="similar"),
    path("opinions/receipt/<str:token>/", public.receipt, name="receipt"),
    path("opinions/track/", public.track, name="track"),
    # The presidium office.
    path("cases/", staff.inbox, name="staff_inbox"),
    path("cases/assign/", staff.bulk_assign, name="bulk_assign"),
    path("cases/figures/", staff.figures_page, name="figures"),
    path("cases/new/<int:congress_id>/", staff.new_case, name="staff_new"),
    path("cases/<int:pk>/", staff.case_detail, name="staff_case"),
    path("cases/<int:pk>/contact/", staff.reveal_contact, name="reveal_contact"),
    path("cases/<int:pk>/<slug:action>/", staff.case_action, name="staff_action"),
    path("cases/attachments/<int:pk>/", staff.attachment, name="attachment"),
    # The departments.
    path("department/", staff.department_inbox, name="department_inbox"),
    path("department/cases/<int:pk>/", staff.department_case, name="department_case"),
    path(
        "department/cases/<int:pk>/<slug:action>/",
        staff.department_action,
        name="department_action",
    ),
]
