from django.contrib.auth import views as auth_views
from django.urls import path

from renda.core.views import auth, jobs, ops, public

app_name = "core"

urlpatterns = [
    path("", public.home, name="home"),
    path("favicon.ico", public.favicon, name="favicon"),
    path("healthz", public.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics_view, name="metrics"),
    path("sms/status/<slug:provider>/<str:token>/", ops.sms_status, name="sms_status"),
    path("display/", public.display, name="display"),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", auth.otp_verify, name="otp_verify"),
    path("accounts/2fa/setup/", auth.otp_setup, name="otp_setup"),
    path("accounts/password/change/", auth.password_change, name="password_change"),
    path("accounts/password/reset/", auth.password_reset, name="password_reset"),
    path("accounts/password/reset/code/", auth.password_reset_code, name="password_reset_code"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_page, name="job"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", jobs.job_download, name="job_download"),
]
