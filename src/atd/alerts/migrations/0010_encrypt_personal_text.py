"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


def _seal_and_index_opt_outs(apps, schema_editor):
    from atd.core.fieldcrypt import reencrypt_model

    for name in (
        "Alert",
        "DeliveryAttempt",
        "Notification",
        "OfficerAlertPreference",
        "SmsOptOut",
    ):
        reencrypt_model(apps.get_model("alerts", name))
    SmsOptOut = apps.get_model("alerts", "SmsOptOut")  # noqa: N806
    field = SmsOptOut._meta.get_field("number_index")
    for row in SmsOptOut.objects.all().iterator(2000):
        SmsOptOut.objects.filter(pk=row.pk).update(number_index=field.value_from(row))


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0009_encrypt_notes"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsoptout",
            name="number_index",
            # Unique once every row has its index (0011).
            field=atd.core.fieldcrypt.BlindIndexField(kind="phone", sources=("number",)),
        ),
        migrations.AlterField(
            model_name="deliveryattempt",
            name="error",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="notification",
            name="subject",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=200),
        ),
        migrations.AlterField(
            model_name="officeralertpreference",
            name="phone",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="smsoptout",
            name="number",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=20),
        ),
        migrations.AlterField(
            model_name="alert",
            name="evidence",
            field=atd.core.fieldcrypt.EncryptedJSONField(default=dict),
        ),
        migrations.RunPython(_seal_and_index_opt_outs, migrations.RunPython.noop),
    ]
