"""Personal free text, messages, phone numbers and photos added since the first encryption
migrations are encrypted at rest (ADR 0021); existing rows are sealed with the current field
key."""

import atd.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0006_encrypt_questionnaire"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enrolmentphoto",
            name="data",
            field=atd.core.fieldcrypt.EncryptedBinaryField(),
        ),
        migrations.AlterField(
            model_name="identityfollowup",
            name="done_note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="identityreview",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="laddermiss",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="laddertask",
            name="note",
            field=atd.core.fieldcrypt.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.RunPython(
            atd.core.fieldcrypt.seal_existing_rows(
                "checkins",
                "EnrolmentPhoto",
                "IdentityFollowUp",
                "IdentityReview",
                "LadderMiss",
                "LadderTask",
            ),
            migrations.RunPython.noop,
        ),
    ]
