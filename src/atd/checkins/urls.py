"""Pages of checkins (console side); mounted at /checkins/."""

from django.urls import path

from atd.checkins import identity_views, ladder_views, views

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
        "participants/<int:participant_id>/ladder/tasks/<int:ladder_task_id>/done/",
        ladder_views.task_done,
        name="ladder_task_done",
    ),
    # Identity review (identity_views.py)
    path(
        "participants/<int:participant_id>/enrolment-photo/",
        identity_views.enrolment_photo,
        name="enrolment_photo",
    ),
    path(
        "enrolment-photos/<int:enrolment_photo_id>/",
        identity_views.enrolment_photo_image,
        name="enrolment_photo_image",
    ),
    path("identity/", identity_views.queue, name="identity_queue"),
    path("identity/<int:checkin_id>/", identity_views.review, name="identity_review"),
    path(
        "identity/follow-ups/<int:identity_follow_up_id>/done/",
        identity_views.follow_up_done,
        name="identity_follow_up_done",
    ),
]
