"""Notes and free text (and check-in photos) encrypted at rest (ADR 0021); existing rows
are sealed with the current field key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_appointment_participant_index_partial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="staffavailability",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("scheduling", "StaffAvailability"),
            migrations.RunPython.noop,
        ),
    ]
