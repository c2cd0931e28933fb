from django.urls import path

from renda.suggestions.views import deputy, public, staff

app_name = "suggestions"

urlpatterns = [
    # Deputies (mobile first).
    path("suggestions/mine/", deputy.mine, name="mine"),
    path("suggestions/new/<int:congress_id>/", deputy.new, name="new"),
    path("suggestions/<int:pk>/", deputy.detail, name="detail"),
    path("suggestions/<int:pk>/<slug:action>/", deputy.action, name="action"),
    # The presidium office.
    path("office/suggestions/", staff.review_list, name="office_list"),
    path("office/suggestions/<int:pk>/", staff.review_detail, name="office_detail"),
    path("office/co-signers/", staff.cosigners, name="cosigners"),
    path(
        "office/co-signers/<int:pk>/<slug:action>/", staff.cosigner_action, name="cosigner_action"
    ),
    path("office/suggestions/<int:pk>/<slug:action>/", staff.review_action, name="office_action"),
    path("office/meetings/", staff.meetings, name="meetings"),
    path("office/meetings/<int:pk>/", staff.meeting_detail, name="meeting"),
    path("office/meetings/<int:pk>/<slug:action>/", staff.meeting_action, name="meeting_action"),
    path("office/meetings/<int:pk>/export.<str:fmt>", staff.meeting_export, name="meeting_export"),
    path("office/suggestions-ledger.xlsx", staff.ledger, name="ledger"),
    path("office/suggestions-figures/", staff.figures, name="figures"),
    path("office/follow-ups/", staff.follow_ups, name="follow_ups"),
    # The public.
    path("public/suggestions/", public.published, name="published"),
]
