from django.urls import path

from renda.activities.views import deputy, meetings, reviews, staff

app_name = "activities"

urlpatterns = [
    # Deputies (phone pages).
    path("activities/", deputy.mine, name="mine"),
    path("activities/<int:pk>/", deputy.page, name="page"),
    path("activities/<int:pk>/answer/<slug:answer>/", deputy.answer, name="answer"),
    path("activities/checkin/", deputy.checkin, name="checkin"),
    # The invitation SMS's short link (a keyed token: no sign-in).
    path("i/<int:pk>/<str:token>/", deputy.confirm, name="confirm"),
    path("activities/findings/<int:pk>/rate/", deputy.rate, name="rate"),
    path("activities/photos/<int:pk>/", deputy.photo, name="photo"),
    path("activities/<int:pk>/report/", deputy.report, name="report"),
    # The presidium office.
    path("office/activities/", staff.office, name="office"),
    path("office/activities/new/", staff.new, name="new"),
    path("office/activities/figures/", staff.figures_page, name="figures"),
    path("office/activities/plan/", staff.plan, name="plan"),
    path("office/presidium/", meetings.meetings, name="meetings"),
    path("office/presidium/new/", meetings.meeting_new, name="meeting_new"),
    path("office/presidium/nominations/", reviews.nominations, name="nominations"),
    path("office/presidium/nominations/<int:pk>/", reviews.nomination, name="nomination"),
    path(
        "office/presidium/nominations/<int:pk>/file/<slug:which>/",
        reviews.nomination_file,
        name="nomination_file",
    ),
    path(
        "office/presidium/nominations/<int:pk>/<slug:action>/",
        reviews.nomination_action,
        name="nomination_action",
    ),
    path(
        "office/presidium/reports/<int:pk>/document/",
        meetings.report_document,
        name="report_document",
    ),
    path("office/presidium/<int:pk>/", meetings.meeting, name="meeting"),
    path("office/presidium/<int:pk>/rate/", meetings.opinion_rate, name="opinion_rate"),
    path(
        "office/presidium/<int:pk>/<slug:action>/",
        meetings.meeting_action,
        name="meeting_action",
    ),
    path("office/activities/plan/<int:pk>/<slug:state>/", staff.plan_publish, name="plan_publish"),
    path(
        "office/activities/plan-items/<int:pk>/<slug:action>/",
        staff.plan_item_action,
        name="plan_item",
    ),
    path("office/activities/<int:pk>/", staff.detail, name="detail"),
    path("office/activities/<int:pk>/invite/", staff.invite, name="invite"),
    path("office/activities/<int:pk>/code/", staff.code, name="code"),
    path("office/activities/<int:pk>/<slug:action>/", staff.act, name="act"),
]
