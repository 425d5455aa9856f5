"""Public leaderboard pages (overall, parameter tracks, task pages, entry pages)."""

app_name = "leaderboards"

urlpatterns: list = []
