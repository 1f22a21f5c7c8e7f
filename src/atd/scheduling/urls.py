"""Pages of scheduling (console side); mounted at /scheduling/."""

from django.urls import path  # noqa: F401

app_name = "scheduling"
urlpatterns: list = []
