"""Notes and free text (and check-in photos) encrypted at rest (ADR 0021); existing rows
are sealed with the current field key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0004_identity_review"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkin",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="checkinphoto",
            name="data",
            field=atd.core.fieldcrypt.EncryptedBinaryField(),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("checkins", "Checkin", "CheckinPhoto"),
            migrations.RunPython.noop,
        ),
    ]
