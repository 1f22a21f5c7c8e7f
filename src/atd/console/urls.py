"""Officer console URLs."""

from django.urls import path

from atd.console import fleet, officer_views, track_views, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/alerts/", views.dashboard_alerts, name="dashboard_alerts"),
    path("map/", fleet.fleet_map, name="fleet_map"),
    path("map.json", fleet.fleet_positions, name="fleet_positions"),
    path("officers/", officer_views.officers, name="officers"),
    path("officers/rebalance/", officer_views.officers_rebalance, name="officers_rebalance"),
    path("participants/", views.participant_list, name="participant_list"),
    path("participants/<int:participant_id>/", views.participant_detail, name="participant_detail"),
    path(
        "participants/<int:participant_id>/track.json",
        track_views.participant_track,
        name="participant_track",
    ),
    path("cases/<int:case_id>/status/", views.case_status, name="case_status"),
    path("cases/<int:case_id>/assignment/", views.case_assignment, name="case_assignment"),
    path("intake/", views.intake_list, name="intake_list"),
    path("intake/<int:batch_id>/", views.intake_detail, name="intake_detail"),
    path("audit/", views.audit_search, name="audit_search"),
]
