"""Notes and free text (and check-in photos) encrypted at rest (ADR 0021); existing rows
are sealed with the current field key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_request_kinds_and_outcomes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reviewappeal",
            name="reason_text",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="reviewappeal",
            name="statement",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="reviewrequest",
            name="reason_text",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="reviewrequest",
            name="statement",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("reviews", "ReviewAppeal", "ReviewRequest"),
            migrations.RunPython.noop,
        ),
    ]
