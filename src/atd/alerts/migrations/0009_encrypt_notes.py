"""Notes and free text (and check-in photos) encrypted at rest (ADR 0021); existing rows
are sealed with the current field key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0008_alert_kind_identity_and_at_large"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="resolution_note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="alerttransition",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="body",
            field=atd.core.fieldcrypt.EncryptedTextField(),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows(
                "alerts", "Alert", "AlertTransition", "Notification"
            ),
            migrations.RunPython.noop,
        ),
    ]
