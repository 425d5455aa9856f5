"""Public leaderboard pages (overall, parameter tracks, task pages, entry pages)."""

from django.urls import path

from elue_site.leaderboards import views

app_name = "leaderboards"

urlpatterns = [
    path("", views.overall, name="overall"),
    path("tracks/<int:millions>M/", views.track, name="track"),
    path("tasks/<str:task_key>/", views.task_page, name="task"),
    path("entries/<int:pk>/", views.entry_page, name="entry"),
]
