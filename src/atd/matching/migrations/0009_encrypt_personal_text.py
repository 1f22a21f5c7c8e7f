"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0008_encrypt_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="matchcandidate",
            name="decision_reason",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="address",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="date_of_birth",
            field=atd.core.fieldcrypt.EncryptedDateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="date_of_birth_recorded",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=10),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="first_surname",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=150),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="given_names",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=150),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="name_as_recorded",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=400),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="postal_code",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=16),
        ),
        migrations.AlterField(
            model_name="bookingrecord",
            name="second_surname",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=150),
        ),
        migrations.AlterField(
            model_name="matchcandidate",
            name="explanation",
            field=atd.core.fieldcrypt.EncryptedJSONField(default=list),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows("matching", "BookingRecord", "MatchCandidate"),
            migrations.RunPython.noop,
        ),
    ]
