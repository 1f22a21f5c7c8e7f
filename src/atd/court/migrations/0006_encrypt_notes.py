"""Notes and free text (and check-in photos) encrypted at rest (ADR 0021); existing rows
are sealed with the current field key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("court", "0005_hearing_court_address_and_zone"),
    ]

    operations = [
        migrations.AlterField(
            model_name="departurecase",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="hearing",
            name="outcome_note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="legalstatusevent",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows(
                "court", "DepartureCase", "Hearing", "LegalStatusEvent"
            ),
            migrations.RunPython.noop,
        ),
    ]
