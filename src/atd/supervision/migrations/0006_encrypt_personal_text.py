"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0005_encrypt_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="planchange",
            name="reason",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=500),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("supervision", "PlanChange"),
            migrations.RunPython.noop,
        ),
    ]
