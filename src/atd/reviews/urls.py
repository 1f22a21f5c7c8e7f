"""Pages of reviews (console side); mounted at /reviews/."""

from django.urls import path  # noqa: F401

app_name = "reviews"
urlpatterns: list = []
