"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_case_fact_irregular_status_history"),
    ]

    operations = [
        migrations.AlterField(
            model_name="generatedreport",
            name="content",
            field=atd.core.fieldcrypt.EncryptedBinaryField(),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("reporting", "GeneratedReport"),
            migrations.RunPython.noop,
        ),
    ]
