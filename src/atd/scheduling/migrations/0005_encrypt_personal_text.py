"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_encrypt_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="cancel_reason",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("scheduling", "Appointment"),
            migrations.RunPython.noop,
        ),
    ]
