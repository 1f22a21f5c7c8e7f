"""Participant portal URLs."""

from django.urls import path

from atd.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("checkin/", views.checkin, name="checkin"),
    path("language/", views.language, name="language"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("enroll/", views.enroll, name="enroll"),
]
