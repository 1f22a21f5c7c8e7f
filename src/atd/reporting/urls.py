"""Pages of reporting (console side); mounted at /reporting/."""

from django.urls import path

from atd.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.index, name="index"),
    path("kpis/", views.kpis, name="kpis"),
    path("costs/", views.costs, name="costs"),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:cohort_id>/generate/", views.report_generate, name="report_generate"),
    path("reports/<int:report_id>/", views.report_detail, name="report_detail"),
    path("reports/<int:report_id>/csv/", views.report_csv, name="report_csv"),
    path("reports/<int:report_id>/pdf/", views.report_pdf, name="report_pdf"),
    path("reports/<int:report_id>/json/", views.report_sidecar, name="report_sidecar"),
]
