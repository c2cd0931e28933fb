from django.urls import path

from renda.appraisals.views import deputy, public, staff

app_name = "appraisals"

urlpatterns = [
    # The presidium office.
    path("office/appraisals/", staff.meetings, name="meetings"),
    path("office/appraisals/follow-ups/", staff.follow_ups, name="follow_ups"),
    path("office/appraisals/<int:pk>/", staff.meeting_detail, name="meeting"),
    path("office/appraisals/<int:pk>/open/", staff.open_rating, name="open"),
    path("office/appraisals/<int:pk>/sheet.<str:fmt>", staff.meeting_sheet, name="meeting_sheet"),
    path("office/appraisals/<int:pk>/<slug:action>/", staff.meeting_action, name="meeting_action"),
    path("office/appraisals/reporters/<int:pk>/", staff.reporter_detail, name="reporter"),
    path(
        "office/appraisals/reporters/<int:pk>/sheet.<str:fmt>",
        staff.reporter_sheet,
        name="reporter_sheet",
    ),
    path(
        "office/appraisals/reporters/<int:pk>/<slug:action>/",
        staff.reporter_action,
        name="reporter_action",
    ),
    path("office/appraisals/documents/<int:pk>/", staff.document, name="document"),
    path(
        "office/appraisals/rectifications/<int:pk>/report/",
        staff.rectification_report,
        name="rectification_report",
    ),
    # A deputy who reported.
    path("appraisals/mine/", deputy.mine, name="mine"),
    path("appraisals/mine/<int:pk>/submit/", deputy.submit, name="mine_submit"),
    # The public.
    path("public/appraisals/", public.results, name="public_results"),
    path("public/appraisals/<int:pk>/", public.result, name="public_result"),
]
