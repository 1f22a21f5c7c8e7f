"""Synthetic people and booking records shaped like the program's population, with known truth.

Used by the tests and the benchmarks: Spanish and Portuguese names with two surnames and
accents, compound given names, transliterated names, aliases, and booking records that
record those names the way feeds do (ASCII, one surname, swapped order, typos, day/month
swapped). Near misses share a name with a participant but are a different person.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from atd.matching.linkage.features import PersonRecord, person_features

GIVEN_F = [
    "María",
    "Ana",
    "Rosa",
    "Carmen",
    "Lucía",
    "Gabriela",
    "Daniela",
    "Fernanda",
    "Juana",
    "Marta",
    "Isabel",
    "Sofía",
    "Valentina",
    "Camila",
    "Paola",
    "Luz",
    "Alejandra",
    "Beatriz",
    "Graça",
    "Conceição",
    "Adriana",
    "Yesenia",
    "Maribel",
    "Leticia",
    "Irma",
    "Olga",
    "Nadia",
]
GIVEN_M = [
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Miguel",
    "Pedro",
    "Jesús",
    "Francisco",
    "Antonio",
    "Manuel",
    "Raúl",
    "Víctor",
    "Óscar",
    "Andrés",
    "Julio",
    "Héctor",
    "Rubén",
    "João",
    "Sebastião",
    "Gonçalo",
    "Wilmer",
    "Edwin",
    "Yeison",
    "Brayan",
    "Kevin",
    "Elmer",
]
COMPOUND = [
    "José Luis",
    "Juan Carlos",
    "María José",
    "Ana María",
    "Luis Fernando",
    "María Fernanda",
    "José Antonio",
    "Juan Pablo",
    "Rosa María",
    "Jesús Alberto",
]
# Common surnames come first and are drawn more often (term frequency matters).
SURNAMES = [
    "García",
    "Hernández",
    "López",
    "Martínez",
    "González",
    "Rodríguez",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Flores",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Gutiérrez",
    "Ortiz",
    "Jiménez",
    "Mendoza",
    "Vásquez",
    "Castillo",
    "Romero",
    "Álvarez",
    "Ruiz",
    "Chávez",
    "Torres",
    "Rivera",
    "Domínguez",
    "Vargas",
    "Ramos",
    "Núñez",
    "Aguilar",
    "Méndez",
    "Silva",
    "Souza",
    "Oliveira",
    "Santos",
    "Pereira",
    "Ferreira",
    "Alves",
    "Carvalho",
    "Araújo",
    "Escobar",
    "Zelaya",
    "Quiñónez",
    "Barahona",
    "Villatoro",
    "Xicará",
    "Tzoc",
    "Ixcoy",
    "Cárcamo",
    "Bonilla",
    "Funes",
    "Portillo",
    "Argueta",
    "Menjívar",
    "Henríquez",
    "Orellana",
    "Galdámez",
    "Ayala",
    "Benítez",
    "Cienfuegos",
    "Peña",
    "Zúñiga",
    "Ibáñez",
    "Beltrán",
]
_SURNAME_WEIGHTS = [1 / (rank + 4) for rank in range(len(SURNAMES))]
# Transliteration variants: the record may use any spelling of the group.
TRANSLIT = [
    ("Mohammed", "Muhammad", "Mohamed"),
    ("Yevgeny", "Evgeni", "Yevgeniy"),
    ("Oleksandr", "Aleksandr", "Olexandr"),
    ("Yusuf", "Youssef", "Yousef"),
    ("Dmitri", "Dmitry", "Dmitriy"),
    ("Tetyana", "Tatiana", "Tetiana"),
]
TRANSLIT_SURNAMES = [
    ("Shevchenko", "Schevchenko"),
    ("Kovalenko", "Kowalenko"),
    ("Hussein", "Husein", "Hussain"),
    ("Abdullah", "Abdulla"),
    ("Nguyen", "Nguyễn"),
]


@dataclass(frozen=True)
class SynthPerson:
    key: int
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date
    sex: str
    postal_code: str = ""
    city: str = ""
    street: str = ""


def ascii_fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _surname(rng: random.Random) -> str:
    # A Zipf-like draw: García far more often than Galdámez.
    return rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]


def person_new(rng: random.Random, key: int) -> SynthPerson:
    sex = rng.choice("FM")
    if rng.random() < 0.04:
        group = rng.choice(TRANSLIT)
        given = group[0]
        first = rng.choice(TRANSLIT_SURNAMES)[0]
        second = ""
    else:
        if rng.random() < 0.2:
            given = rng.choice(COMPOUND)
        else:
            given = rng.choice(GIVEN_F if sex == "F" else GIVEN_M)
        first, second = _surname(rng), _surname(rng)
    dob = date(1955, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    return SynthPerson(
        key=key,
        given_names=given,
        first_surname=first,
        second_surname=second,
        date_of_birth=dob,
        sex=sex,
        postal_code=f"{rng.randrange(10000, 99999)}",
        city=rng.choice(["Houston", "Miami", "Los Angeles", "Newark", "Chicago", "Dallas"]),
        street=f"{rng.randrange(1, 9999)} {rng.choice(['Oak', 'Main', 'Pine', 'Elm'])} St",
    )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.34:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.67:
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourlns") + word[i + 1 :]


def _translit(name: str, rng: random.Random) -> str:
    for group in TRANSLIT + TRANSLIT_SURNAMES:
        if name in group:
            return rng.choice(group)
    return name


def _dob_typo(rng: random.Random, dob: date) -> date:
    for _ in range(10):
        text = dob.isoformat()
        i = rng.choice([2, 3, 5, 6, 8, 9])
        candidate = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
        try:
            other = date.fromisoformat(candidate)
        except ValueError:
            continue
        if other != dob:
            return other
    return dob + timedelta(days=1)


def record_variant(rng: random.Random, p: SynthPerson, *, noise: float = 1.0) -> SynthPerson:
    """How a feed might record the same person: each distortion with its own probability."""
    given, first, second, dob = p.given_names, p.first_surname, p.second_surname, p.date_of_birth
    if rng.random() < 0.5 * noise:
        given, first, second = ascii_fold(given), ascii_fold(first), ascii_fold(second)
    if rng.random() < 0.15 * noise and second:
        first, second = second, first
    if rng.random() < 0.2 * noise and second:
        second = ""
    if rng.random() < 0.5 * noise and " " in given:
        given = given.split()[0]
    if rng.random() < 0.1 * noise:
        given = _typo(rng, given)
    elif rng.random() < 0.1 * noise:
        first = _typo(rng, first)
    given, first = _translit(given, rng), _translit(first, rng)
    if rng.random() < 0.03 * noise:
        given, first, second = first, given, ""
    roll = rng.random()
    if roll < 0.04 * noise and dob.day <= 12 and dob.day != dob.month:
        dob = date(dob.year, dob.day, dob.month)
    elif roll < 0.08 * noise:
        dob = _dob_typo(rng, dob)
    return replace(
        p,
        given_names=given,
        first_surname=first,
        second_surname=second,
        date_of_birth=dob,
        postal_code=p.postal_code if rng.random() < 0.3 else "",
        city=p.city if rng.random() < 0.5 else "",
        street=p.street if rng.random() < 0.2 else "",
    )


def _far_date(rng: random.Random, dob: date) -> date:
    """A different date of birth that is no typo or swap of the original (a different person)."""
    while True:
        other = date(1955, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
        a, b = dob.isoformat(), other.isoformat()
        differing = sum(x != y for x, y in zip(a, b, strict=True))
        swapped = other.month == dob.day and other.day == dob.month and other.year == dob.year
        if differing >= 3 and not swapped:
            return other


def near_miss(rng: random.Random, p: SynthPerson, key: int) -> SynthPerson:
    """Same name, different person: another date of birth, another address."""
    other = person_new(rng, key)
    return replace(
        other,
        given_names=p.given_names,
        first_surname=p.first_surname,
        second_surname=p.second_surname,
        date_of_birth=_far_date(rng, p.date_of_birth),
        sex=p.sex,
    )


def alias_of(rng: random.Random, p: SynthPerson) -> tuple[str, str, str]:
    """Another name the participant is known by (a married name, a second given name)."""
    if rng.random() < 0.5:
        return p.given_names, _surname(rng), ""
    return rng.choice(GIVEN_F if p.sex == "F" else GIVEN_M), p.first_surname, p.second_surname


@dataclass
class SyntheticSet:
    participants: list[SynthPerson]
    aliases: list[tuple[int, tuple[str, str, str]]]  # (participant key, alias names)
    bookings: list[SynthPerson]  # key = booking key
    truth: dict[int, int]  # booking key -> participant key (true links)
    near_misses: set[int]  # booking keys that share a name with a participant but are not them


def synthetic_set(
    *, participants: int, linked: int, near_misses: int, unrelated: int, seed: int = 7
) -> SyntheticSet:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by seed
    people = [person_new(rng, k) for k in range(1, participants + 1)]
    aliases: list[tuple[int, tuple[str, str, str]]] = [
        (p.key, alias_of(rng, p)) for p in people if rng.random() < 0.15
    ]
    alias_by_key = dict(aliases)
    bookings: list[SynthPerson] = []
    truth: dict[int, int] = {}
    misses: set[int] = set()
    key = 1
    for p in rng.sample(people, linked):
        base = p
        if p.key in alias_by_key and rng.random() < 0.3:
            g, f, s = alias_by_key[p.key]
            base = replace(p, given_names=g, first_surname=f, second_surname=s)
        bookings.append(replace(record_variant(rng, base), key=key))
        truth[key] = p.key
        key += 1
    for p in rng.sample(people, near_misses):
        bookings.append(replace(near_miss(rng, p, key), key=key))
        misses.add(key)
        key += 1
    for _ in range(unrelated):
        bookings.append(replace(person_new(rng, key), key=key))
        key += 1
    rng.shuffle(bookings)
    return SyntheticSet(people, aliases, bookings, truth, misses)


def feature_rows(s: SyntheticSet) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The linkage engine's input for a synthetic set: (bookings, participants) as feature rows,
    keyed "b<key>" / "p<key>" with the booking or participant key alongside."""

    def rec(prefix: str, p: SynthPerson, **extra: Any) -> dict[str, Any]:
        return person_features(
            PersonRecord(
                f"{prefix}{p.key}",
                p.given_names,
                p.first_surname,
                p.second_surname,
                p.date_of_birth,
                p.sex,
                p.postal_code,
                p.city,
                p.street,
                **extra,
            )
        )

    left = [rec("b", b, booking_id=b.key) for b in s.bookings]
    right = [rec("p", p, participant_id=p.key) for p in s.participants]
    return left, right
