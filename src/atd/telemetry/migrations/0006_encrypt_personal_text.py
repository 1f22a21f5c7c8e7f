"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("telemetry", "0005_device_state_accuracy_and_motion"),
    ]

    operations = [
        migrations.AlterField(
            model_name="legalhold",
            name="reason",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=300),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("telemetry", "LegalHold"),
            migrations.RunPython.noop,
        ),
    ]
