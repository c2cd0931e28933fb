from django.urls import path

from renda.opinions.views import public, staff

app_name = "opinions"

# The case pages (/cases/…, /department/…) are the engine's: renda/cases/urls.py.
urlpatterns = [
    # The public front door.
    path("opinions/", public.index, name="index"),
    path("opinions/<int:congress_id>/new/", public.submit, name="submit"),
    path("opinions/<int:congress_id>/similar/", public.similar, name="similar"),
    path("opinions/receipt/<str:token>/", public.receipt, name="receipt"),
    path("opinions/track/", public.track, name="track"),
    # An opinion entered for a visitor, a caller or a letter.
    path("cases/new/<int:congress_id>/", staff.new_case, name="staff_new"),
]
