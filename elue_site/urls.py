"""URL configuration. MEDIA_ROOT has no URL on purpose: uploaded files go out
only through views that check who may read them."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("elue_site.accounts.urls")),
    path("submit/", include("elue_site.submissions.urls")),
    path("api/v1/", include("elue_site.api.urls")),
    path("staff/", include("elue_site.dashboard.urls")),
    path("", include("elue_site.leaderboards.urls")),
]
