"""Pages of alerts (console side); mounted at /alerts/."""

from django.urls import path

from atd.alerts import provider_views, views

app_name = "alerts"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("rows/", views.queue_rows, name="queue_rows"),
    path("preferences/", views.preferences, name="preferences"),
    path("hooks/sms/status/", provider_views.sms_status, name="sms_status"),
    path("hooks/sms/inbound/", provider_views.sms_inbound, name="sms_inbound"),
    path("<int:alert_id>/", views.alert_detail, name="detail"),
    path("<int:alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:alert_id>/resolve/", views.resolve, name="resolve"),
    path("<int:alert_id>/reopen/", views.reopen, name="reopen"),
    path(
        "participants/<int:participant_id>/acknowledge/",
        views.acknowledge_for_participant,
        name="acknowledge_for_participant",
    ),
]
