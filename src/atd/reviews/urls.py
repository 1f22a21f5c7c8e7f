"""Pages of reviews; mounted at /reviews/ (participant pages and officer pages)."""

from django.urls import path

from atd.reviews import views

app_name = "reviews"
urlpatterns = [
    path("request/", views.portal_request, name="portal_request"),
    path("queue/", views.queue, name="queue"),
    path("<int:review_id>/", views.detail, name="detail"),
    path("<int:review_id>/decide/", views.decide, name="decide"),
    path("<int:decided_review_id>/appeal/", views.appeal, name="appeal"),
    path("<int:decided_review_id>/letter/", views.letter, name="letter"),
    path("<int:decided_review_id>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path(
        "participants/<int:participant_id>/request/", views.officer_request, name="officer_request"
    ),
]
