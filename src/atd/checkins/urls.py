"""Pages of checkins (console side); mounted at /checkins/."""

from django.urls import path

from atd.checkins import views

app_name = "checkins"
urlpatterns = [
    path("participants/<int:participant_id>/in-person/", views.in_person, name="in_person"),
    path("checkins/<int:checkin_id>/photo/", views.photo, name="photo"),
]
