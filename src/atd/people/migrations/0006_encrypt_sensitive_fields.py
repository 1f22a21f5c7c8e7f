"""Encrypts names, A-numbers, dates of birth, phones, e-mail, street, unit and postal code at
rest, and replaces clear search/lookup columns by keyed blind indexes (ADR 0021). Existing rows
are sealed with the current field key and their indexes computed, in id ranges."""

import atd.core.fieldcrypt
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_locate_referrals"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="alias",
            name="alias_unique_per_participant",
        ),
        migrations.RemoveConstraint(
            model_name="participant",
            name="participant_a_number_9_digits",
        ),
        migrations.RemoveField(
            model_name="participant",
            name="search_name",
        ),
        migrations.AddField(
            model_name="alias",
            name="name_index",
            field=atd.core.fieldcrypt.BlindIndexField(
                kind="alias-name", sources=("given_names", "first_surname", "second_surname")
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="a_number_index",
            field=atd.core.fieldcrypt.BlindIndexField(kind="a-number", sources=("a_number",)),
        ),
        migrations.AddField(
            model_name="participant",
            name="search_tokens",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AlterField(
            model_name="address",
            name="line1",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="address",
            name="postal_code",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=16),
        ),
        migrations.AlterField(
            model_name="address",
            name="unit",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="alias",
            name="date_of_birth",
            field=atd.core.fieldcrypt.EncryptedDateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="alias",
            name="first_surname",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=150),
        ),
        migrations.AlterField(
            model_name="alias",
            name="given_names",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=150),
        ),
        migrations.AlterField(
            model_name="alias",
            name="second_surname",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=150),
        ),
        migrations.AlterField(
            model_name="participant",
            name="a_number",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=9),
        ),
        migrations.AlterField(
            model_name="participant",
            name="date_of_birth",
            field=atd.core.fieldcrypt.EncryptedDateField(),
        ),
        migrations.AlterField(
            model_name="participant",
            name="email",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=254),
        ),
        migrations.AlterField(
            model_name="participant",
            name="first_surname",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=150),
        ),
        migrations.AlterField(
            model_name="participant",
            name="given_names",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=150),
        ),
        migrations.AlterField(
            model_name="participant",
            name="phone",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="participant",
            name="second_surname",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=150),
        ),
        migrations.AlterField(
            model_name="phonechange",
            name="new_phone",
            field=atd.core.fieldcrypt.EncryptedTextField(max_length=32),
        ),
        migrations.AlterField(
            model_name="phonechange",
            name="old_phone",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=32),
        ),
    ]
