"""Participant portal URLs."""

from django.urls import path

from atd.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("enroll/", views.enroll, name="enroll"),
]
