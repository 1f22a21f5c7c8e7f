"""Notes and free text (and check-in photos) encrypted at rest (ADR 0021); existing rows
are sealed with the current field key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_blocking_keys_keyed_and_sealed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="matchcandidate",
            name="verification_note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("matching", "MatchCandidate"),
            migrations.RunPython.noop,
        ),
    ]
