"""The blind index of an opted-out number is unique, as the number was (ADR 0021). Its own
migration: PostgreSQL does not build the index in the transaction that filled the column."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("alerts", "0010_encrypt_personal_text")]

    operations = [
        migrations.AlterField(
            model_name="smsoptout",
            name="number_index",
            field=atd.core.fieldcrypt.BlindIndexField(
                kind="phone", sources=("number",), unique=True
            ),
        ),
    ]
