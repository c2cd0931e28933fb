from django.urls import path

from renda.congress.views import staff

app_name = "congress"

urlpatterns = [
    path("workspace/", staff.workspace, name="workspace"),
    path("inbox/", staff.notifications, name="inbox"),
]
