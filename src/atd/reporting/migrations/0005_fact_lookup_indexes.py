from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_fact_settled"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="casefact",
            index=models.Index(
                condition=models.Q(("fta_count__gt", 0)), fields=["case_id"], name="case_fact_fta"
            ),
        ),
        migrations.AddIndex(
            model_name="casefact",
            index=models.Index(
                condition=models.Q(("legal_events__gt", 2)),
                fields=["case_id"],
                name="case_fact_long_legal",
            ),
        ),
        migrations.AddIndex(
            model_name="casefact",
            index=models.Index(fields=["office_since"], name="case_fact_office_since"),
        ),
    ]
