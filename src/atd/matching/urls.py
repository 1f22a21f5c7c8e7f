"""Pages of matching (console side); mounted at /matching/."""

from django.urls import path  # noqa: F401

app_name = "matching"
urlpatterns: list = []
