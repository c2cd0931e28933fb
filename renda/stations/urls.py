from django.urls import path

from renda.stations.views import deputy, public, staff

app_name = "stations"

urlpatterns = [
    # The office and the station managers.
    path("office/stations/", staff.network, name="network"),
    path("office/stations/coverage/", staff.coverage_report, name="coverage"),
    path("office/stations/<int:pk>/", staff.station_detail, name="station"),
    path("office/stations/<int:pk>/assign/", staff.assign, name="assign"),
    path("office/stations/<int:pk>/shift/", staff.add_shift, name="add_shift"),
    path("office/stations/<int:pk>/reception/", staff.new_reception, name="new_reception"),
    path("office/stations/<int:pk>/rule/", staff.add_rule, name="add_rule"),
    path("office/rules/<int:pk>/deactivate/", staff.deactivate_rule, name="deactivate_rule"),
    path("office/stations/workplace/", staff.workplace, name="workplace"),
    path("office/stations/assign-all/", staff.assign_all, name="assign_all"),
    path("office/shifts/<int:pk>/cancel/", staff.cancel_shift, name="cancel_shift"),
    path("office/roster/", staff.roster, name="roster"),
    path("office/roster/generate/", staff.generate, name="generate"),
    path("office/duties/<int:pk>/<slug:action>/", staff.duty_action, name="duty_action"),
    path("office/receptions/", staff.receptions, name="receptions"),
    path("office/receptions/<int:pk>/", staff.reception_detail, name="reception"),
    path("office/receptions/<int:pk>/matter/", staff.add_matter, name="add_matter"),
    path("office/matters/<int:pk>/<slug:action>/", staff.matter_action, name="matter_action"),
    path("office/contacts/", staff.contacts, name="contacts"),
    path("office/contacts/log/", staff.log_contact, name="log_contact"),
    path("office/contacts/<int:pk>/case/", staff.contact_case, name="contact_case"),
    path("office/industry/", staff.industry, name="industry"),
    path("office/industry/<int:pk>/firm/", staff.link_firm, name="link_firm"),
    path("office/industry/<int:pk>/activity/", staff.industry_activity, name="industry_activity"),
    path("office/stations/figures/", staff.figures, name="figures"),
    # Deputies.
    path("stations/mine/", deputy.mine, name="mine"),
    path("stations/mine/contact/", deputy.log_contact, name="my_contact"),
    path("stations/mine/matters/<int:pk>/suggestion/", deputy.make_suggestion, name="suggest"),
    path("stations/checkin/", deputy.checkin, name="checkin"),
    path("stations/calendar/<int:pk>/<str:token>.ics", deputy.ics, name="ics"),
    # The public.
    path("stations/", public.index, name="index"),
    path("stations/<int:congress_id>/", public.directory, name="directory"),
    path("stations/<int:congress_id>/<slug:code>/", public.station_page, name="public_station"),
    path("stations/<int:congress_id>/<slug:code>/qr.svg", public.qr_station, name="qr_station"),
    path("stations/<int:congress_id>/<slug:code>/poster/", public.poster, name="poster"),
    path("stations/<int:congress_id>/deputies/<int:pk>/", public.deputy_page, name="public_deputy"),
    path("stations/<int:congress_id>/deputies/<int:pk>/qr.svg", public.qr_deputy, name="qr_deputy"),
]
