"""Pages of court (console side); mounted at /court/."""

from django.urls import path  # noqa: F401

app_name = "court"
urlpatterns: list = []
