"""Pages of supervision (console side); mounted at /supervision/."""

from django.urls import path

from atd.supervision import views

app_name = "supervision"
urlpatterns = [
    path("participants/<int:participant_id>/plan/", views.plan_set, name="plan_set"),
    path("cost-rates/", views.cost_rates, name="cost_rates"),
]
