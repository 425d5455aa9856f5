from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from elue_site.api import views

app_name = "api"

urlpatterns = [
    path("token/", obtain_auth_token, name="token"),
    path("entries/", views.entries, name="entries"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("submissions/", views.submissions, name="submissions"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
]
