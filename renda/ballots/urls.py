from django.urls import path

from renda.ballots.views import public, staff, voter

app_name = "ballots"

urlpatterns = [
    # Voters (mobile first).
    path("vote/", voter.mine, name="mine"),
    path("vote/<int:pk>/", voter.ballot, name="ballot"),
    path("vote/code/", voter.code_entry, name="code_entry"),
    path("vote/code/ballot/", voter.code_ballot, name="code_ballot"),
    # The presidium office.
    path("office/polls/", staff.poll_list, name="office_list"),
    path("office/polls/new/<int:congress_id>/", staff.poll_new, name="office_new"),
    path("office/polls/<int:pk>/", staff.poll_detail, name="office_poll"),
    path("office/polls/<int:pk>/edit/", staff.poll_edit, name="office_edit"),
    path("office/polls/<int:pk>/open/", staff.poll_open, name="office_open"),
    path("office/polls/<int:pk>/slips.docx", staff.slips_docx, name="office_slips_docx"),
    path("office/polls/<int:pk>/key-shares.docx", staff.key_slips_docx, name="office_key_docx"),
    path("office/polls/<int:pk>/paper/", staff.paper, name="office_paper"),
    path("office/polls/<int:pk>/close/", staff.close, name="office_close"),
    path("office/polls/<int:pk>/publish/", staff.publish, name="office_publish"),
    path("office/polls/<int:pk>/void/", staff.void, name="office_void"),
    path("office/polls/<int:pk>/recount/", staff.recount, name="office_recount"),
    path("office/polls/<int:pk>/export.txt", staff.export, name="office_export"),
    path("office/polls/<int:pk>/minutes.docx", staff.minutes, name="office_minutes"),
    # The public.
    path("polls/<int:pk>/announcement/", public.announcement, name="announcement"),
    path("polls/<int:pk>/receipts/", public.receipts, name="receipts"),
]
