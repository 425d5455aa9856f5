"""Staff dashboard pages."""

from django.urls import path

from elue_site.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("submissions/<int:pk>/rerun/", views.rerun, name="rerun"),
    path("entries/<int:pk>/hide/", views.set_hidden, {"hidden": True}, name="hide"),
    path("entries/<int:pk>/unhide/", views.set_hidden, {"hidden": False}, name="unhide"),
    path("reference/<str:task_key>/", views.reference_curve, name="reference"),
]
