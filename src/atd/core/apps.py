"""App config for the shared kernel."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "atd.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from atd.core import auth_adapter  # noqa: F401  (connects the login audit signals)
