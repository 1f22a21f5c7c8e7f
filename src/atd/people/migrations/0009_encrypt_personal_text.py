"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0008_blind_index_unique"),
    ]

    operations = [
        migrations.AlterField(
            model_name="locateattempt",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=500),
        ),
        migrations.AlterField(
            model_name="locateattempt",
            name="place",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="locatereferral",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="locatereferral",
            name="outcome_note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("people", "LocateAttempt", "LocateReferral"),
            migrations.RunPython.noop,
        ),
    ]
