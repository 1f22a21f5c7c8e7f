"""Phone numbers already stored are rewritten in E.164 where `phonenumbers` finds them valid
(read in ATD_SMS_DEFAULT_REGION when they carry no country code). A number it does not find
valid is kept exactly as it is (the participant page flags it); nothing is dropped. The phone
history rows are left as they were recorded."""

import phonenumbers
from django.conf import settings
from django.db import migrations


def phone_e164_or_none(raw, region):  # noqa: ANN001, ANN201 - frozen copy of the rule
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_to_e164(apps, schema_editor):  # noqa: ANN001, ANN201 - migration signature
    region = getattr(settings, "ATD_SMS_DEFAULT_REGION", "US") or "US"
    Participant = apps.get_model("people", "Participant")  # noqa: N806
    changed = []
    for row in Participant.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=2000):
        value = phone_e164_or_none(row.phone, region)
        if value and value != row.phone:
            row.phone = value
            changed.append(row)
        if len(changed) >= 2000:
            Participant.objects.bulk_update(changed, ["phone"])
            changed = []
    if changed:
        Participant.objects.bulk_update(changed, ["phone"])


class Migration(migrations.Migration):
    dependencies = [("people", "0003_case_status_at_large_left_program")]

    operations = [migrations.RunPython(phones_to_e164, migrations.RunPython.noop)]
