"""Console pages of identity review: take an enrolment photo, the review queue, one review
with the two photos side by side, follow-ups, and the audited photo responses."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from atd.checkins import identity_selectors as selectors
from atd.checkins import services
from atd.checkins.choices import EnrolmentSource
from atd.core.errors import DomainError
from atd.core.form_actions import form_action, not_found_as_404
from atd.core.roles import Role
from atd.core.scope import scope_for
from atd.core.uploads import upload_bytes_read
from atd.people.selectors import participant_detail_read

STAFF = (Role.CASE_OFFICER, Role.CONTRACTOR_SPECIALIST, Role.SUPERVISOR, Role.ADMIN)


def _message(exc: DomainError) -> str:
    errors = getattr(exc, "errors", None) or []
    if errors:
        return "; ".join(f"{e.field} {e.reason}" for e in errors)
    return str(exc.detail or exc.title)


def photo_response(photo: selectors.ServedPhoto, name: str) -> HttpResponse:
    """A photo for one staff member's screen: never cached (not by the browser, not by a
    proxy, not on a shared machine's disk), never guessed as another type."""
    response = HttpResponse(photo.content, content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_photo(request: HttpRequest, participant_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF)
    if request.method == "POST":
        upload = request.FILES.get("photo")
        if upload is None:
            messages.error(request, "Not saved: choose or take a photo first.")
            return redirect("checkins:enrolment_photo", participant_id=participant_id)
        outcome = form_action(
            request,
            lambda: services.enrolment_photo_record(
                actor=request.user,
                scope=scope,
                participant_id=participant_id,
                content=upload_bytes_read(
                    upload,
                    cap=int(settings.ATD_CHECKIN_PHOTO_MAX_BYTES),
                    hint="take a smaller photo",
                ),
                source=request.POST.get("source", "")[:16],
            ),
            done="Enrolment photo saved.",
            refused="Not saved",
            why=_message,
        )
        if outcome.ok:
            return redirect("console:participant_detail", participant_id=participant_id)
        return redirect("checkins:enrolment_photo", participant_id=participant_id)
    with not_found_as_404():
        participant = participant_detail_read(
            scope=scope,
            actor=request.user,
            participant_id=participant_id,
            reason="take enrolment photo",
        )
        current = selectors.enrolment_photo_summary(scope=scope, participant_id=participant_id)
    return render(
        request,
        "checkins/enrolment_photo.html",
        {
            "p": participant,
            "current": current,
            "sources": EnrolmentSource.choices,
            "max_mb": round(settings.ATD_CHECKIN_PHOTO_MAX_BYTES / 1_000_000, 1),
        },
    )


@login_required
def enrolment_photo_image(request: HttpRequest, enrolment_photo_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF)
    with not_found_as_404():
        photo = selectors.enrolment_photo_serve(
            scope=scope,
            actor=request.user,
            photo_id=enrolment_photo_id,
            purpose=selectors.photo_purpose(request.GET.get("purpose")),
        )
    return photo_response(photo, f"enrolment-{enrolment_photo_id}")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request, STAFF)
    return render(
        request,
        "checkins/identity_queue.html",
        {
            "items": selectors.identity_queue_read(scope=scope, actor=request.user),
            "follow_ups": selectors.identity_follow_ups_read(
                scope=scope, actor=request.user, user_id=request.user.pk
            ),
            "retention_days": settings.ATD_IDENTITY_PHOTO_RETENTION_DAYS,
        },
    )


VERDICT_RECORDED = {
    "match": "Recorded: match.",
    "no_match": "Recorded: no match. An alert was raised for the officer.",
    "unclear": "Recorded: unclear. A follow-up task was opened for the officer.",
}


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, checkin_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF)
    if request.method == "POST":
        form_action(
            request,
            lambda: services.identity_verdict_record(
                actor=request.user,
                scope=scope,
                checkin_id=checkin_id,
                verdict=request.POST.get("verdict", "")[:16],
                note=request.POST.get("note", "")[:500],
            ),
            done=lambda result: VERDICT_RECORDED.get(result.verdict, "Recorded."),
            refused="Not recorded",
            why=_message,
        )
        return redirect("checkins:identity_review", checkin_id=checkin_id)
    with not_found_as_404():
        page = selectors.identity_review_read(
            scope=scope, actor=request.user, checkin_id=checkin_id
        )
    return render(request, "checkins/identity_review.html", {"r": page})


@login_required
@require_POST
def follow_up_done(request: HttpRequest, identity_follow_up_id: int) -> HttpResponse:
    scope = scope_for(request, STAFF)
    form_action(
        request,
        lambda: services.identity_follow_up_close(
            actor=request.user,
            scope=scope,
            follow_up_id=identity_follow_up_id,
            note=request.POST.get("note", "")[:500],
        ),
        done="Follow-up done.",
        refused="Not saved",
        why=_message,
    )
    return redirect("checkins:identity_queue")
