"""Identity review at check-in: enrolment photos, the review queue, verdicts (no match raises
an alert, unclear opens a follow-up), audited photo views, and the retention purge."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from PIL import ExifTags, Image

from atd.alerts.models import Alert
from atd.alerts.services import alert_resolve
from atd.checkins.identity_selectors import (
    PhotoPurpose,
    checkin_photo_serve,
    enrolment_photo_serve,
    identity_queue_read,
)
from atd.checkins.models import CheckinPhoto, EnrolmentPhoto, IdentityFollowUp, IdentityReview
from atd.checkins.services import (
    CheckinInput,
    checkin_in_person_record,
    checkin_remote_submit,
    enrolment_photo_record,
    identity_follow_up_close,
    identity_photos_purge,
    identity_verdict_record,
)
from atd.checkins.tests.identity_support import avatar, data_url
from atd.checkins.tests.support import T0, key, participant_scope, plan_for
from atd.core import clock
from atd.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atd.core.models import AuditEntry
from atd.core.scope import Scope
from atd.testing.world import World

pytestmark = pytest.mark.django_db

IN_WINDOW = T0 + timedelta(days=7)


def _officer(world: World) -> tuple[Any, Scope]:
    user = world.users["case_officer"]
    return user, Scope.for_user(user)


def _enrol(world: World, pid: int, content: bytes | None = None, at: Any = T0) -> EnrolmentPhoto:
    officer, scope = _officer(world)
    with clock.frozen_at(at):
        return enrolment_photo_record(
            actor=officer,
            scope=scope,
            participant_id=pid,
            content=content if content is not None else avatar((70, 130, 180)),
            source="intake",
        )


def _remote(pid: int, *, photo: bytes | None = None, at: Any = IN_WINDOW) -> Any:
    with clock.frozen_at(at):
        return checkin_remote_submit(
            actor=None,
            scope=participant_scope(pid),
            data=CheckinInput(
                idempotency_key=key(),
                captured_at=at,
                photo_data_url=data_url(photo if photo is not None else avatar((200, 90, 60))),
            ),
        ).checkin


def _verdict(world: World, checkin_id: int, verdict: str, note: str = "", at: Any = IN_WINDOW):
    officer, scope = _officer(world)
    with clock.frozen_at(at):
        return identity_verdict_record(
            actor=officer, scope=scope, checkin_id=checkin_id, verdict=verdict, note=note
        )


# --- enrolment photos -----------------------------------------------------------------------


def test_an_enrolment_photo_is_stored_without_its_exif_gps(world: World) -> None:
    pid = world.participants["officer_a"].pk
    original = avatar(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    photo = _enrol(world, pid, original)
    stored = Image.open(io.BytesIO(bytes(photo.data)))
    assert stored.format == "JPEG" and photo.content_type == "image/jpeg"
    exif = stored.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Make not in exif
    assert b"SyntheticCam" not in bytes(photo.data)
    assert (photo.width, photo.height) == (240, 240)
    assert AuditEntry.objects.filter(action="checkin.enrolment_photo", object_ids=str(pid)).exists()


def test_a_checkin_photo_is_stored_without_its_exif_gps_too(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _remote(pid, photo=avatar(gps=True))
    data = bytes(CheckinPhoto.objects.get(checkin=c).data)
    assert not Image.open(io.BytesIO(data)).getexif()
    assert b"SyntheticCam" not in data


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 100,
        b"<html><script>alert(1)</script></html>",
        b"\xff\xd8\xff\xe0 not really a jpeg",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    ],
)
def test_an_enrolment_upload_that_is_not_an_image_is_refused(world: World, content: bytes) -> None:
    pid = world.participants["officer_a"].pk
    with pytest.raises(ValidationFailed):
        _enrol(world, pid, content)
    assert not EnrolmentPhoto.objects.exists()


def test_an_image_claiming_a_huge_canvas_is_refused_before_it_is_decoded(world: World) -> None:
    # A PNG header declaring 50000 x 50000 pixels (a decompression bomb) with a tiny body.
    big = io.BytesIO()
    Image.new("1", (50_000, 1_000)).save(big, "PNG")
    pid = world.participants["officer_a"].pk
    with pytest.raises(ValidationFailed) as err:
        _enrol(world, pid, big.getvalue())
    assert "pixels" in str(err.value.errors[0].reason)


def test_an_unknown_source_is_refused(world: World) -> None:
    officer, scope = _officer(world)
    with pytest.raises(ValidationFailed):
        enrolment_photo_record(
            actor=officer,
            scope=scope,
            participant_id=world.participants["officer_a"].pk,
            content=avatar(),
            source="selfie",
        )


def test_a_new_enrolment_photo_replaces_the_current_one(world: World) -> None:
    pid = world.participants["officer_a"].pk
    first = _enrol(world, pid, at=T0)
    second = _enrol(world, pid, avatar((10, 160, 90)), at=T0 + timedelta(days=1))
    first.refresh_from_db()
    assert first.replaced_at == T0 + timedelta(days=1)
    second.refresh_from_db()
    assert second.replaced_at is None


def test_staff_out_of_scope_and_participants_cannot_take_an_enrolment_photo(world: World) -> None:
    officer, scope = _officer(world)
    with pytest.raises(NotFound):
        enrolment_photo_record(
            actor=officer,
            scope=scope,
            participant_id=world.participants["office_b"].pk,
            content=avatar(),
            source="intake",
        )
    pid = world.participants["officer_a"].pk
    with pytest.raises(Forbidden):
        enrolment_photo_record(
            actor=None,
            scope=participant_scope(pid),
            participant_id=pid,
            content=avatar(),
            source="intake",
        )


# --- the queue and verdicts -------------------------------------------------------------------


def test_remote_checkins_with_a_photo_wait_in_the_queue_until_a_verdict(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _remote(pid)
    with clock.frozen_at(IN_WINDOW + timedelta(hours=1)):
        checkin_in_person_record(
            actor=world.users["case_officer"],
            scope=_officer(world)[1],
            participant_id=pid,
            idempotency_key=key(),
        )
    officer, scope = _officer(world)
    items = identity_queue_read(scope=scope, actor=officer)
    assert [i.checkin_id for i in items] == [c.pk]
    assert items[0].has_enrolment_photo
    assert items[0].purge_due_at == c.received_at + timedelta(days=90)
    _verdict(world, c.pk, "match")
    assert identity_queue_read(scope=scope, actor=officer) == []
    # Staff of another office do not see it at all.
    other = world.users.get("case_officer_b")
    if other is not None:
        assert identity_queue_read(scope=Scope.for_user(other), actor=other) == []


def test_match_is_recorded_with_both_photos_fingerprints_and_audited(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    enrolment = _enrol(world, pid)
    c = _remote(pid)
    review = _verdict(world, c.pk, "match")
    assert review.enrolment_photo_id == enrolment.pk
    assert review.enrolment_sha256 == enrolment.sha256
    assert review.checkin_photo_sha256 == CheckinPhoto.objects.get(checkin=c).sha256
    assert review.alert_id is None
    assert not IdentityFollowUp.objects.exists()
    assert AuditEntry.objects.filter(action="checkin.identity_verdict", object_ids=str(pid)).count()


def test_no_match_raises_an_identity_alert(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _remote(pid)
    review = _verdict(world, c.pk, "no_match", note="different person: hair, face shape")
    alert = Alert.objects.get(pk=review.alert_id)
    assert alert.kind == "identity_no_match"
    assert alert.participant_id == pid
    assert alert.severity == "high"
    assert alert.status == "open"


def test_unclear_opens_a_follow_up_for_the_case_officer(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _remote(pid)
    review = _verdict(world, c.pk, "unclear", note="photo too dark")
    task = IdentityFollowUp.objects.get(review=review)
    assert task.officer_id == world.cases["officer_a"].officer_id
    assert task.status == "open"
    assert not Alert.objects.filter(kind="identity_no_match").exists()
    officer, scope = _officer(world)
    with pytest.raises(ValidationFailed):
        identity_follow_up_close(actor=officer, scope=scope, follow_up_id=task.pk, note="  ")
    identity_follow_up_close(
        actor=officer, scope=scope, follow_up_id=task.pk, note="seen in person, it was them"
    )
    task.refresh_from_db()
    assert task.status == "done" and task.done_note == "seen in person, it was them"
    with pytest.raises(Conflict):
        identity_follow_up_close(actor=officer, scope=scope, follow_up_id=task.pk, note="again")


def test_a_second_verdict_is_a_conflict_not_an_overwrite(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _remote(pid)
    _verdict(world, c.pk, "match")
    with pytest.raises(Conflict):
        _verdict(world, c.pk, "no_match", note="changed my mind")
    assert IdentityReview.objects.get(checkin=c).verdict == "match"
    assert not Alert.objects.filter(kind="identity_no_match").exists()


def test_without_an_enrolment_photo_only_unclear_is_accepted(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _remote(pid)
    with pytest.raises(ValidationFailed):
        _verdict(world, c.pk, "match")
    review = _verdict(world, c.pk, "unclear", note="no enrolment photo yet")
    assert review.enrolment_photo_id is None


@pytest.mark.parametrize("verdict", ["", "MATCH", "maybe", "match\x00", "x" * 200])
def test_hostile_verdicts_are_refused(world: World, verdict: str) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _remote(pid)
    with pytest.raises(ValidationFailed):
        _verdict(world, c.pk, verdict, note="n")
    assert not IdentityReview.objects.exists()


def test_no_match_and_unclear_need_a_note(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _remote(pid)
    with pytest.raises(ValidationFailed):
        _verdict(world, c.pk, "no_match", note="\x00 ")


def test_a_checkin_without_a_photo_or_in_person_cannot_be_reviewed(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    officer, scope = _officer(world)
    with clock.frozen_at(IN_WINDOW):
        in_person = checkin_in_person_record(
            actor=officer, scope=scope, participant_id=pid, idempotency_key=key()
        ).checkin
    with pytest.raises(Conflict):
        _verdict(world, in_person.pk, "match")


def test_verdicts_out_of_scope_are_not_found(world: World) -> None:
    pid = world.participants["office_b"].pk
    plan_for(pid)
    c = _remote(pid)
    with pytest.raises(NotFound):
        _verdict(world, c.pk, "unclear", note="x")


# --- photo views: audited, staff in scope only, never cached --------------------------------


def test_every_photo_view_is_audited_with_the_photo_and_the_purpose(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    enrolment = _enrol(world, pid)
    c = _remote(pid)
    officer, scope = _officer(world)
    served = checkin_photo_serve(
        scope=scope, actor=officer, checkin_id=c.pk, purpose=PhotoPurpose.IDENTITY_REVIEW
    )
    assert served.content[:2] == b"\xff\xd8"
    enrolment_photo_serve(
        scope=scope, actor=officer, photo_id=enrolment.pk, purpose=PhotoPurpose.IDENTITY_REVIEW
    )
    read = AuditEntry.objects.get(action="checkin.photo_read")
    assert read.actor_id == officer.pk and read.object_ids == str(pid)
    assert read.reason == f"checkin {c.pk} photo: identity review"
    e = AuditEntry.objects.get(action="checkin.enrolment_photo_read")
    assert e.reason == f"enrolment photo {enrolment.pk}: identity review"


def test_photos_are_served_to_staff_in_scope_only_and_never_cached(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    enrolment = _enrol(world, pid)
    c = _remote(pid)
    urls = [
        f"/checkins/checkins/{c.pk}/photo/?purpose=identity_review",
        f"/checkins/enrolment-photos/{enrolment.pk}/?purpose=bogus",
    ]
    client = Client()
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(world.users["case_officer"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
    # A NUL byte in the query is bad input (400), never a 500.
    assert client.get(f"{urls[1]}%00").status_code == 400
    for role in ("participant", "auditor", "records_analyst"):
        other = Client()
        other.force_login(world.users[role])
        for url in urls:
            assert other.get(url).status_code in (403, 404), (role, url)


# --- retention ------------------------------------------------------------------------------


def _reviewed(world: World, pid: int, verdict: str = "match") -> Any:
    c = _remote(pid)
    _verdict(world, c.pk, verdict, note="n")
    return c


def test_purge_deletes_photos_after_the_retention_period_and_keeps_the_rest(
    world: World, settings: Any
) -> None:
    settings.ATD_IDENTITY_PHOTO_RETENTION_DAYS = 90
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _reviewed(world, pid)
    result = identity_photos_purge(now=IN_WINDOW + timedelta(days=89))
    assert result.checkin_photos == 0
    assert CheckinPhoto.objects.filter(checkin=c).exists()
    result = identity_photos_purge(now=IN_WINDOW + timedelta(days=90, minutes=1))
    assert result.checkin_photos == 1
    assert not CheckinPhoto.objects.filter(checkin=c).exists()
    review = IdentityReview.objects.get(checkin=c)
    assert review.photo_purged_at is not None and review.checkin_photo_sha256
    # The current enrolment photo stays: it is the reference.
    assert EnrolmentPhoto.objects.filter(participant_id=pid, replaced_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="checkin.photo_purge", object_ids=str(c.pk)).exists()
    # A second run changes nothing.
    assert identity_photos_purge(now=IN_WINDOW + timedelta(days=91)).checkin_photos == 0


def test_an_unreviewed_photo_lapses_its_period_after_receipt(world: World, settings: Any) -> None:
    settings.ATD_IDENTITY_PHOTO_RETENTION_DAYS = 30
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    c = _remote(pid)
    assert identity_photos_purge(now=IN_WINDOW + timedelta(days=31)).checkin_photos == 1
    assert not CheckinPhoto.objects.filter(checkin=c).exists()
    officer, scope = _officer(world)
    assert identity_queue_read(scope=scope, actor=officer) == []


def test_an_open_identity_alert_holds_the_photos_until_it_is_resolved(
    world: World, settings: Any
) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _remote(pid)
    review = _verdict(world, c.pk, "no_match", note="not the participant")
    later = IN_WINDOW + timedelta(days=200)
    result = identity_photos_purge(now=later)
    assert result.checkin_photos == 0 and result.held == 1
    assert CheckinPhoto.objects.filter(checkin=c).exists()
    officer, scope = _officer(world)
    alert_resolve(
        actor=officer,
        scope=scope,
        alert_id=review.alert_id,
        disposition="contacted_compliant",
        note="seen at the office",
    )
    assert identity_photos_purge(now=later).checkin_photos == 1


def test_an_open_follow_up_holds_the_photo(world: World) -> None:
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid)
    c = _reviewed(world, pid, "unclear")
    assert identity_photos_purge(now=IN_WINDOW + timedelta(days=200)).checkin_photos == 0
    assert CheckinPhoto.objects.filter(checkin=c).exists()


def test_a_legal_hold_keeps_every_photo_of_the_participant(world: World) -> None:
    from atd.telemetry.services import legal_hold_place

    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid, at=T0)
    _enrol(world, pid, avatar((1, 2, 3)), at=T0 + timedelta(days=1))
    c = _reviewed(world, pid)
    officer, scope = _officer(world)
    legal_hold_place(actor=officer, scope=scope, participant_id=pid, reason="court order")
    result = identity_photos_purge(now=IN_WINDOW + timedelta(days=400))
    assert (result.checkin_photos, result.enrolment_photos) == (0, 0)
    assert result.held == 2
    assert CheckinPhoto.objects.filter(checkin=c).exists()
    assert EnrolmentPhoto.objects.filter(participant_id=pid).count() == 2


def test_a_replaced_enrolment_photo_is_purged_after_the_period(world: World, settings: Any) -> None:
    settings.ATD_IDENTITY_PHOTO_RETENTION_DAYS = 90
    pid = world.participants["officer_a"].pk
    first = _enrol(world, pid, at=T0)
    second = _enrol(world, pid, avatar((5, 5, 5)), at=T0 + timedelta(days=1))
    assert identity_photos_purge(now=T0 + timedelta(days=90)).enrolment_photos == 0
    assert identity_photos_purge(now=T0 + timedelta(days=92)).enrolment_photos == 1
    assert not EnrolmentPhoto.objects.filter(pk=first.pk).exists()
    assert EnrolmentPhoto.objects.filter(pk=second.pk).exists()
    assert AuditEntry.objects.filter(
        action="checkin.enrolment_photo_purge", object_ids=str(first.pk)
    ).exists()


def test_the_purge_is_a_registered_periodic_job(world: World) -> None:
    from atd.core.extensions import periodic_job_named

    job = periodic_job_named("checkins.identity_photos_purge")
    assert job.run() == 0


# --- the console page: bad uploads get a message, never a 500 -------------------------------


def test_the_enrolment_page_refuses_bad_uploads_with_a_message(world: World, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ATD_CHECKIN_PHOTO_MAX_BYTES = 20_000
    pid = world.participants["officer_a"].pk
    client = Client()
    client.force_login(world.users["case_officer"])
    url = f"/checkins/participants/{pid}/enrolment-photo/"
    assert client.get(url).status_code == 200
    cases = [
        {"source": "intake"},  # no file
        {"source": "intake", "photo": SimpleUploadedFile("x.jpg", b"\x00\x01not an image")},
        {"source": "intake", "photo": SimpleUploadedFile("big.jpg", b"\xff" * 30_000)},
        {"source": "x" * 5000, "photo": SimpleUploadedFile("a.jpg", avatar())},
    ]
    for data in cases:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        text = response.content.decode()
        assert "Not saved" in text, data
    assert not EnrolmentPhoto.objects.exists()
    response = client.post(
        url, {"source": "in_person", "photo": SimpleUploadedFile("a.jpg", avatar())}, follow=True
    )
    assert "Enrolment photo saved." in response.content.decode()
    assert EnrolmentPhoto.objects.get(participant_id=pid).source == "in_person"


def test_review_pages_show_times_in_the_viewers_zone_labelled(
    world: World, client_for: Any
) -> None:
    """Office A keeps Chicago time: 14:00 UTC on 9 March 2026 is 09:00 CDT (DST began on the
    8th). Every time on the review, the queue and the enrolment page carries its zone."""
    pid = world.participants["officer_a"].pk
    plan_for(pid)
    _enrol(world, pid, at=IN_WINDOW)
    c = _remote(pid)
    client = client_for("case_officer")
    queue = client.get("/checkins/identity/").content.decode()
    assert "2026-03-09 09:00 CDT" in queue
    page = client.get(f"/checkins/identity/{c.pk}/").content.decode()
    assert "received 2026-03-09 09:00 CDT" in page
    assert "taken 2026-03-09 09:00 CDT" in page
    assert "Times in America/Chicago (C" in page
    _verdict(world, c.pk, "match")
    page = client.get(f"/checkins/identity/{c.pk}/").content.decode()
    assert "on 2026-03-09 09:00 CDT." in page
    enrolment = client.get(f"/checkins/participants/{pid}/enrolment-photo/").content.decode()
    assert "2026-03-09 09:00 CDT" in enrolment
