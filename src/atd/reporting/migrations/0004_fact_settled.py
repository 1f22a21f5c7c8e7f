from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_fact_previous_legal_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="casefact",
            name="settled_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="casefact",
            name="settled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="casefact",
            name="settled_key",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
