"""Seals the existing rows of the columns 0004 made encrypted and computes their blind
indexes (ADR 0021). Its own migration (own transaction) so the unique index that follows is
not created in a transaction with pending row updates (PostgreSQL refuses that)."""

from django.db import migrations


def _seal_and_index(apps, schema_editor):
    from atd.core.fieldcrypt import blind_index, reencrypt_model
    from atd.people.search_index import participant_search_tokens

    Participant = apps.get_model("people", "Participant")
    Alias = apps.get_model("people", "Alias")
    PhoneChange = apps.get_model("people", "PhoneChange")
    Address = apps.get_model("people", "Address")
    # The clear dwelling/building keys become blind indexes (read before anything is sealed).
    for row in Address.objects.only("id", "normalized_key", "building_key").iterator(2000):
        Address.objects.filter(pk=row.pk).update(
            normalized_key=blind_index(row.normalized_key, kind="dwelling"),
            building_key=blind_index(row.building_key, kind="building"),
        )
    for model in (Participant, Alias, PhoneChange, Address):
        reencrypt_model(model)
    names: dict[int, list[str]] = {}
    for alias in Alias.objects.all().iterator(2000):
        names.setdefault(alias.participant_id, []).append(
            f"{alias.given_names} {alias.first_surname} {alias.second_surname}"
        )
        index = Alias._meta.get_field("name_index").value_from(alias)
        Alias.objects.filter(pk=alias.pk).update(name_index=index)
    for p in Participant.objects.all().iterator(2000):
        Participant.objects.filter(pk=p.pk).update(
            a_number_index=blind_index(p.a_number, kind="a-number"),
            search_tokens=participant_search_tokens(
                p.given_names,
                p.first_surname,
                p.second_surname,
                names.get(p.pk, []),
                a_number=p.a_number,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0006_encrypt_sensitive_fields")]

    operations = [migrations.RunPython(_seal_and_index, migrations.RunPython.noop, elidable=False)]
