"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("court", "0006_encrypt_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="departurecase",
            name="participant_statement",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="departurecase",
            name="verification_note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("court", "DepartureCase"),
            migrations.RunPython.noop,
        ),
    ]
