"""Pages of scheduling (console side, plus the forms the portal section posts to);
mounted at /scheduling/."""

from django.urls import path

from atd.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.backlog, name="backlog"),
    path("offices/<int:office_id>/", views.office_detail, name="office"),
    path("offices/<int:office_id>/planner/", views.office_planner, name="planner"),
    path("offices/<int:office_id>/capacity/", views.office_capacity, name="office_capacity"),
    path("offices/<int:office_id>/holidays/", views.office_holiday, name="office_holiday"),
    path("offices/<int:office_id>/staffing/", views.office_staffing, name="office_staffing"),
    path("offices/<int:office_id>/schedule/", views.office_schedule, name="office_schedule"),
    path("participants/<int:participant_id>/", views.participant_appointments, name="participant"),
    path("participants/<int:participant_id>/book/", views.participant_book, name="book"),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        views.appointment_reschedule,
        name="reschedule",
    ),
    path("appointments/<int:appointment_id>/cancel/", views.appointment_cancel, name="cancel"),
]
