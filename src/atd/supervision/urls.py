"""Pages of supervision (console side); mounted at /supervision/."""

from django.urls import path  # noqa: F401

app_name = "supervision"
urlpatterns: list = []
