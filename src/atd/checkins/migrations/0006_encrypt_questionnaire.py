"""The check-in questionnaire (which may carry a new phone number or address) is encrypted at
rest (ADR 0021); existing rows are sealed with the current field key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0005_encrypt_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkin",
            name="questionnaire",
            field=atd.core.fieldcrypt.EncryptedJSONField(default=dict),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("checkins", "Checkin"),
            migrations.RunPython.noop,
        ),
    ]
