"""Pages of matching (console side); mounted at /matching/."""

from django.urls import path

from atd.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("candidates/<int:candidate_id>/", views.candidate_detail, name="candidate_detail"),
    path(
        "candidates/<int:candidate_id>/confirm/", views.candidate_confirm, name="candidate_confirm"
    ),
    path("candidates/<int:candidate_id>/reject/", views.candidate_reject, name="candidate_reject"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:feed_batch_id>/", views.batch_detail, name="batch_detail"),
]
