"""Pages of court (console side); mounted at /court/."""

from django.urls import path

from atd.court import departure_views, views

app_name = "court"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("cases/<int:case_id>/notices/", views.notice_issue, name="notice_issue"),
    path("notices/<int:notice_id>/service/", views.notice_serve, name="notice_serve"),
    path("notices/<int:notice_id>/report/", views.notice_report, name="notice_report"),
    path("cases/<int:case_id>/hearings/", views.hearing_schedule, name="hearing_schedule"),
    path(
        "hearings/<int:hearing_id>/reschedule/", views.hearing_reschedule, name="hearing_reschedule"
    ),
    path("hearings/<int:hearing_id>/outcome/", views.hearing_outcome, name="hearing_outcome"),
    path(
        "participants/<int:participant_id>/legal-status/", views.legal_status, name="legal_status"
    ),
    path("cases/<int:case_id>/departure/", views.departure_open, name="departure_open"),
    path("departures/<int:departure_id>/", views.departure_update, name="departure_update"),
    path(
        "departures/<int:departure_id>/confirm/", views.departure_confirm, name="departure_confirm"
    ),
    path(
        "departures/<int:departure_id>/task-done/",
        departure_views.task_done,
        name="departure_task_done",
    ),
    path("departure/request/", departure_views.portal_request, name="portal_departure_request"),
]
