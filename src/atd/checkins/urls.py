"""Pages of checkins (console side); mounted at /checkins/."""

from django.urls import path

from atd.checkins import ladder_views, views

app_name = "checkins"
urlpatterns = [
    path("participants/<int:participant_id>/in-person/", views.in_person, name="in_person"),
    path("checkins/<int:checkin_id>/photo/", views.photo, name="photo"),
    path(
        "participants/<int:participant_id>/ladder/misses/<int:miss_id>/technical/",
        ladder_views.mark_technical,
        name="ladder_mark_technical",
    ),
    path(
        "participants/<int:participant_id>/ladder/tasks/<int:task_id>/done/",
        ladder_views.task_done,
        name="ladder_task_done",
    ),
]
