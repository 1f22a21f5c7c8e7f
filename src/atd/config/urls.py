"""URL map: console at /, participant portal at /portal/, API at /api/, accounts, admin."""

from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.cache import cache_control

from atd.config.api import api
from atd.core.bad_input import bad_request


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page says: answer with the app's icon."""
    return FileResponse(
        (Path(__file__).resolve().parents[1] / "core/static/atd/favicon.ico").open("rb"),
        content_type="image/x-icon",
    )


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    # The admin site has no second factor of its own: every staff login goes through allauth.
    return redirect(f"/accounts/login/?next={request.GET.get('next', '/admin/')}")


handler400 = bad_request

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/login/", admin_login_redirect),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
    path("portal/", include("atd.portal.urls")),
    *[
        path(f"{app}/", include(f"atd.{app}.urls"))
        for app in (
            "court",
            "supervision",
            "devices",
            "telemetry",
            "checkins",
            "scheduling",
            "alerts",
            "matching",
            "reviews",
            "reporting",
        )
    ],
    path("", include("atd.console.urls")),
]

if settings.ATD_DEMO:
    from atd.simulate.views import demo_codes, demo_outbox

    urlpatterns.insert(0, path("demo/codes", demo_codes, name="demo_codes"))
    urlpatterns.insert(0, path("demo/outbox", demo_outbox, name="demo_outbox"))
