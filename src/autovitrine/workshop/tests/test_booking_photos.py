"""Photos of a job: the workshop's (check-in, damage, worn parts) shown to the owner, and the
owner's own before the visit (damage to estimate for bodywork); private to the two of them."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from autovitrine.testing import factories as f
from autovitrine.workshop.services import (
    booking_photo_add,
    booking_set_status,
)


def jpeg(name: str = "rayure.jpg", colour: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_a_workshop_photo_is_stored_privately_and_shown_to_the_owner(client_as, booking):
    booking_set_status(booking=booking, status="received")
    photo = booking_photo_add(
        booking=booking, upload=jpeg(), caption="Rayure aile avant gauche", by_owner=False
    )
    assert photo.image.name.endswith(".jpg") and photo.image.storage.exists(photo.image.name)
    client, _ = client_as("customer")
    page = client.get(reverse("workshop:booking", kwargs={"number": booking.number}))
    url = reverse("workshop:photo", kwargs={"number": booking.number, "photo_id": photo.pk})
    assert f'src="{url}" alt="Rayure aile avant gauche"' in page.content.decode()
    answer = client.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert answer["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(answer.streaming_content))).size == (64, 48)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("customer", 200), ("dealer_staff", 403), ("head_office", 403)],
)
def test_an_owner_photo_url_by_role(client_as, booking, role, expected):
    photo = booking_photo_add(booking=booking, upload=jpeg(), caption="", by_owner=True)
    client, _ = client_as(role)
    url = reverse("workshop:photo", kwargs={"number": booking.number, "photo_id": photo.pk})
    assert client.get(url).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("customer", 403), ("other_dealer_staff", 404), ("dealer_staff", 200), ("head_office", 200)],
)
def test_the_workshop_sees_the_owner_photos(client_as, booking, dealer, role, expected):
    photo = booking_photo_add(booking=booking, upload=jpeg(), caption="Bosse", by_owner=True)
    client, _ = client_as(role)
    query = f"?concession={dealer.code}" if role == "head_office" else ""
    job = reverse("workshop:dealer_booking", kwargs={"number": booking.number}) + query
    url = (
        reverse("workshop:dealer_photo", kwargs={"number": booking.number, "photo_id": photo.pk})
        + query
    )
    assert client.get(url).status_code == expected
    if expected == 200:
        assert 'alt="Bosse"' in client.get(job).content.decode()


def test_another_owner_cannot_see_a_photo(client, booking):
    photo = booking_photo_add(booking=booking, upload=jpeg(), caption="", by_owner=False)
    client.force_login(f.UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("workshop:photo", kwargs={"number": booking.number, "photo_id": photo.pk})
    assert client.get(url).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_in_french(booking):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        booking_photo_add(booking=booking, upload=fake, caption="", by_owner=True)
    assert error.value.code == "photo_not_image"
    assert booking.photos.count() == 0


def test_the_owner_sends_photos_before_the_visit_only(client_as, booking):
    client, _ = client_as("customer")
    send = reverse("workshop:photo_send", kwargs={"number": booking.number})
    response = client.post(send, {"photos": [jpeg(), jpeg("b.png")], "legende": "Bosse portière"})
    assert response.status_code == 302
    assert list(booking.photos.values_list("caption", "by_owner")) == [("Bosse portière", True)] * 2
    booking_set_status(booking=booking, status="received")
    with pytest.raises(ValidationError):
        booking_photo_add(booking=booking, upload=jpeg(), caption="", by_owner=True)
    client.post(send, {"photos": [jpeg()]})
    assert booking.photos.count() == 2


def test_the_workshop_adds_a_photo_from_the_job_page(client_as, booking):
    client, _ = client_as("dealer_staff")
    url = reverse("workshop:dealer_booking", kwargs={"number": booking.number})
    response = client.post(url, {"action": "photo", "photo": jpeg(), "legende": "Pneu usé"})
    assert response.status_code == 302
    assert booking.photos.get().caption == "Pneu usé"
    missing = client.post(url, {"action": "photo"})
    assert missing.status_code == 422 and "Choisissez une photo." in missing.content.decode()


def test_a_check_in_keeps_the_drawn_signature_privately(client_as, booking):
    import base64

    buffer = io.BytesIO()
    Image.new("RGBA", (600, 200), (0, 0, 0, 0)).save(buffer, format="PNG")
    drawing = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    client, _ = client_as("dealer_staff")
    url = reverse("workshop:dealer_booking", kwargs={"number": booking.number})
    form = {"action": "checkin", "mileage_km": "61000", "signed_by": "Léa Martin"}
    bad = client.post(url, form | {"signature": "data:image/png;base64,@@@"})
    assert bad.status_code == 422 and "Signature illisible" in bad.content.decode()
    assert client.post(url, form | {"signature": drawing}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "received" and booking.checkin_signature.name.endswith(".png")
    image = client.get(reverse("workshop:checkin_signature", kwargs={"number": booking.number}))
    assert image.status_code == 200 and image["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(image.streaming_content))).size == (600, 200)
    owner, _ = client_as("customer")
    assert (
        owner.get(
            reverse("workshop:checkin_signature", kwargs={"number": booking.number})
        ).status_code
        == 403
    )


def test_a_bodywork_estimate_from_the_owner_photos_before_the_visit(
    client_as, booking, django_capture_on_commit_callbacks
):
    from django.core import mail

    from autovitrine.workshop.services import quote_answer, quote_propose

    # Given the owner's photos of a dent, sent before the visit
    booking_photo_add(booking=booking, upload=jpeg(), caption="Bosse portière", by_owner=True)
    before = booking.total_ttc
    # When the workshop answers with an estimate from the job page
    staff, _ = client_as("dealer_staff")
    job = reverse("workshop:dealer_booking", kwargs={"number": booking.number})
    assert "Devis sur photos" in staff.get(job).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            job, {"action": "quote", "description": "Débosselage portière", "amount_eur": "150"}
        )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "confirmed" and "Débosselage portière" in mail.outbox[-1].body
    with pytest.raises(ValidationError):
        quote_propose(booking=booking, description="Encore", amount_ht=100)
    # Then the owner accepts online: the work joins the job, the slot stays booked
    quote = booking.quotes.get()
    quote_answer(quote=quote, accept=True)
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.total_ttc == before + 18000
    assert booking.claims.count() == 2  # technician and bay still held


def _collected_on(booking, when):
    from autovitrine.workshop.models import BookingEvent

    for status in ("received", "in_progress", "ready", "collected"):
        booking_set_status(booking=booking, status=status)
    BookingEvent.objects.filter(booking=booking, status="collected").update(created_at=when)


def test_photos_and_signature_are_deleted_12_months_after_the_job_is_closed(booking, dealer):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from autovitrine.web.periodic import run_due_work
    from autovitrine.workshop.models import Booking, BookingPhoto
    from autovitrine.workshop.services import booking_photos_purge

    photo = booking_photo_add(booking=booking, upload=jpeg(), caption="Rayure", by_owner=False)
    booking.checkin_signature.save("sig.png", ContentFile(b"\x89PNG fake"), save=True)
    signature = booking.checkin_signature.name
    storage = photo.image.storage
    closed = timezone.now() - dt.timedelta(days=300)
    _collected_on(booking, closed)
    # Within the 12 months: kept
    assert booking_photos_purge() == 0 and storage.exists(photo.image.name)
    # The hourly run, 12 months and a day after the job was collected: files and rows gone
    later = closed + dt.timedelta(days=366)
    assert run_due_work(now=later.replace(minute=0)).workshop_photos_deleted == 1
    assert not BookingPhoto.objects.exists() and not storage.exists(photo.image.name)
    assert not storage.exists(signature)
    assert Booking.objects.get(pk=booking.pk).checkin_signature == ""
    # The job itself stays in the service history
    assert Booking.objects.get(pk=booking.pk).lines.exists()


def test_photos_of_an_open_job_are_kept_however_old(booking):
    import datetime as dt

    from django.utils import timezone

    from autovitrine.workshop.services import booking_photos_purge

    booking_photo_add(booking=booking, upload=jpeg(), caption="", by_owner=True)
    assert booking_photos_purge(now=timezone.now() + dt.timedelta(days=1000)) == 0


def test_head_office_sees_a_jobs_photos_in_the_admin_read_only(client_as, booking, dealer):
    photo = booking_photo_add(booking=booking, upload=jpeg(), caption="Bosse aile", by_owner=True)
    client, _ = client_as("head_office")
    page = client.get(reverse("admin:workshop_booking_change", args=[booking.pk]))
    html = page.content.decode()
    src = reverse("workshop:dealer_photo", kwargs={"number": booking.number, "photo_id": photo.pk})
    assert f'src="{src}?concession={dealer.code}"' in html and "Bosse aile" in html
    # The picture the admin shows opens for head office
    image = client.get(f"{src}?concession={dealer.code}")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    listing = client.get(reverse("admin:workshop_bookingphoto_changelist"))
    assert listing.status_code == 200 and "Bosse aile" in listing.content.decode()
    change = client.get(reverse("admin:workshop_bookingphoto_change", args=[photo.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(reverse("admin:workshop_bookingphoto_add")).status_code == 403
    # Dealer staff never use the admin
    staff, _ = client_as("dealer_staff")
    assert staff.get(reverse("admin:workshop_bookingphoto_changelist")).status_code == 302


def test_the_owner_follows_the_job_stage_by_stage_with_the_workshops_photos(client_as, booking):
    """The job on the site's stage timeline, as a car being built is followed (issue 17): the
    stages reached with their time, the current one marked, a workshop photo on the stage it was
    taken in; a skipped diagnosis is left out, the stages to come are shown."""
    from autovitrine.workshop.services import booking_set_status

    booking_set_status(booking=booking, status="received")
    staff, _ = client_as("dealer_staff")
    job = reverse("workshop:dealer_booking", kwargs={"number": booking.number})
    assert (
        staff.post(job, {"action": "photo", "photo": jpeg(), "legende": "Pneu usé"}).status_code
        == 302
    )
    booking_set_status(booking=booking, status="in_progress")

    owner, _ = client_as("customer")
    page = owner.get(
        reverse("workshop:booking", kwargs={"number": booking.number})
    ).content.decode()
    stages = page.split('id="booking-stages"')[1].split("</ol>")[0]
    items = stages.split('<li class="tracking-stage ')[1:]
    labels = [item.split('tracking-stage-label">')[1].split("<")[0] for item in items]
    assert labels == ["Confirmé", "Véhicule réceptionné", "En cours", "Prêt", "Restitué"]
    states = [item.split('"')[0] for item in items]
    assert states == ["is-done", "is-done", "is-current", "is-upcoming", "is-upcoming"]
    assert 'alt="Pneu usé"' in items[1] and "<time" in items[1]
    assert "<img" not in items[2] + items[3]
