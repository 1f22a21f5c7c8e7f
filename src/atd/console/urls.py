"""Officer console URLs."""

from django.urls import path

from atd.console import at_large_views, fleet, officer_views, track_views, views

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
    path("cases/<int:case_id>/reopen/", at_large_views.case_reopen, name="case_reopen"),
    path("cases/<int:case_id>/referral/", at_large_views.referral_open, name="referral_open"),
    path(
        "referrals/<int:referral_id>/attempt/",
        at_large_views.referral_attempt,
        name="referral_attempt",
    ),
    path(
        "referrals/<int:referral_id>/outcome/",
        at_large_views.referral_outcome,
        name="referral_outcome",
    ),
    path(
        "at-large/<int:alert_id>/confirm/", at_large_views.proposal_confirm, name="at_large_confirm"
    ),
    path(
        "at-large/<int:alert_id>/dismiss/", at_large_views.proposal_dismiss, name="at_large_dismiss"
    ),
    path(
        "participants/<int:participant_id>/locate/",
        at_large_views.locate_package,
        name="locate_package",
    ),
    path("intake/", views.intake_list, name="intake_list"),
    path("intake/<int:batch_id>/", views.intake_detail, name="intake_detail"),
    path("audit/", views.audit_search, name="audit_search"),
]
