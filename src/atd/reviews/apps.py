"""App config for reviews."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "atd.reviews"
    label = "reviews"
