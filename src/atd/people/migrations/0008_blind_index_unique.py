"""The blind index of the A-number is unique, as the A-number was; an alias is unique per
participant by the blind index of its names (ADR 0021)."""

import atd.core.fieldcrypt
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0007_encrypt_existing_rows")]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="a_number_index",
            field=atd.core.fieldcrypt.BlindIndexField(
                kind="a-number", sources=("a_number",), unique=True
            ),
        ),
        migrations.AddConstraint(
            model_name="alias",
            constraint=models.UniqueConstraint(
                fields=("participant", "name_index"), name="alias_unique_per_participant"
            ),
        ),
    ]
