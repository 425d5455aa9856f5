from django.urls import path

from elue_site.submissions import views

app_name = "submissions"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("entries/new/", views.entry_create, name="entry_create"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:pk>/publish/", views.entry_publish, name="entry_publish"),
    path("entries/<int:pk>/unpublish/", views.entry_unpublish, name="entry_unpublish"),
    path("entries/<int:pk>/results/new/", views.submission_create, name="create"),
    path("submissions/<int:pk>/", views.submission_detail, name="detail"),
    path("submissions/<int:pk>/status.json", views.submission_status_json, name="status"),
    path("submissions/<int:pk>/files/model/", views.submission_file, {"kind": "model"}, name="model_file"),
    path("submissions/<int:pk>/files/predictions/<int:position>/", views.submission_file,
         {"kind": "predictions"}, name="prediction_file"),
]
