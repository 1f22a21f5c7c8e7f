"""Seeds the documented default cost rates (docs/supervision.md); admins add newer ones."""

from datetime import date
from decimal import Decimal

from django.db import migrations

# Copied, not imported: a migration must keep meaning what it meant when it was written.
DEFAULTS = {
    "gps_ankle": ("2.75", "press reporting: ankle monitor about $2.75/day"),
    "wrist": ("2.10", "documented default estimate (between app and ankle monitor)"),
    "smartphone": ("0.90", "documented default estimate (program under $4.20/participant-day)"),
    "telephone": ("0.50", "documented default estimate"),
    "in_person": ("0.30", "documented default estimate (office time only)"),
    "detention": ("152.00", "reported detention cost about $152/day"),
}
EFFECTIVE = date(2020, 1, 1)


def seed(apps, schema_editor):
    CostRate = apps.get_model("supervision", "CostRate")
    for tech, (amount, source) in DEFAULTS.items():
        CostRate.objects.get_or_create(
            technology=tech,
            effective_from=EFFECTIVE,
            defaults={"per_day": Decimal(amount), "source": source},
        )


def unseed(apps, schema_editor):
    CostRate = apps.get_model("supervision", "CostRate")
    CostRate.objects.filter(effective_from=EFFECTIVE, technology__in=list(DEFAULTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_devicetask")]
    operations = [migrations.RunPython(seed, unseed)]
