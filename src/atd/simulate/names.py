"""Name shapes of the program's population: Spanish and Portuguese given names, two surnames,
accents and their ASCII forms, transliteration variants. All invented combinations."""

from __future__ import annotations

import random
import unicodedata

GIVEN_F = [
    "María",
    "Ana",
    "Lucía",
    "Sofía",
    "Valentina",
    "Camila",
    "Daniela",
    "Gabriela",
    "Mariana",
    "Fernanda",
    "Alejandra",
    "Juana",
    "Rosa",
    "Carmen",
    "Guadalupe",
    "Yesenia",
    "Leticia",
    "Marisol",
    "Inés",
    "Ximena",
    "Beatriz",
    "Conceição",
    "Joana",
    "Luíza",
    "Fátima",
    "Raquel",
]
GIVEN_M = [
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Miguel",
    "Ángel",
    "Jesús",
    "Francisco",
    "Pedro",
    "Manuel",
    "Óscar",
    "Andrés",
    "Raúl",
    "Héctor",
    "Julián",
    "Tomás",
    "Iván",
    "Rubén",
    "Joaquín",
    "João",
    "Antônio",
    "Sebastião",
    "Gonçalo",
    "Thiago",
    "Wilmer",
    "Edwin",
    "Nelson",
]
SURNAMES = [
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Gutiérrez",
    "Ortiz",
    "Chávez",
    "Ramos",
    "Vásquez",
    "Castillo",
    "Jiménez",
    "Mendoza",
    "Ruiz",
    "Álvarez",
    "Romero",
    "Núñez",
    "Aguilar",
    "Medina",
    "Castro",
    "Vargas",
    "Herrera",
    "Guzmán",
    "Muñoz",
    "Salazar",
    "Peña",
    "Ibáñez",
    "Avendaño",
    "Da Silva",
    "Souza",
    "Oliveira",
    "Pereira",
    "Conceição",
    "Gonçalves",
    "Araújo",
    "Magalhães",
    "De León",
    "Del Cid",
]
TRANSLITERATIONS = {
    "Vásquez": "Vazquez",
    "Gonçalves": "Goncalvez",
    "Da Silva": "Dasilva",
    "De León": "Deleon",
    "Núñez": "Nunes",
    "Ibáñez": "Ibanes",
    "Muñoz": "Munos",
    "José": "Jose",
    "João": "Joao",
    "Jesús": "Jesus",
    "Yesenia": "Jessenia",
    "Ximena": "Jimena",
    "Wilmer": "Vilmer",
}
COUNTRIES = [
    ("MX", ["es"]),
    ("GT", ["es"]),
    ("HN", ["es"]),
    ("SV", ["es"]),
    ("VE", ["es"]),
    ("CO", ["es"]),
    ("EC", ["es"]),
    ("NI", ["es"]),
    ("CU", ["es"]),
    ("BR", ["pt"]),
    ("PE", ["es"]),
    ("DO", ["es"]),
    ("HT", ["fr", "ht"]),
    ("GT", ["es", "quc"]),
]


def ascii_fold(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def person_name(rng: random.Random) -> tuple[str, str, str, str]:
    """(sex, given names, first surname, second surname); some have compound given names and
    some only one surname, as recorded at the border."""
    sex = rng.choice("FM")
    pool = GIVEN_F if sex == "F" else GIVEN_M
    given = rng.choice(pool)
    if rng.random() < 0.35:
        second = rng.choice(pool)
        if second != given:
            given = f"{given} {second}"
    first = rng.choice(SURNAMES)
    second_surname = rng.choice(SURNAMES) if rng.random() < 0.8 else ""
    return sex, given, first, second_surname


def alias_variants(
    rng: random.Random, given: str, first: str, second: str
) -> list[tuple[str, str, str]]:
    """Other spellings a record system might hold: no accents, surnames swapped or dropped,
    a transliteration, only the first given name."""
    options = [
        (ascii_fold(given), ascii_fold(first), ascii_fold(second)),
        (given, second or first, first if second else ""),
        (given.split(" ")[0], first, ""),
        (
            " ".join(TRANSLITERATIONS.get(g, g) for g in given.split(" ")),
            TRANSLITERATIONS.get(first, first),
            TRANSLITERATIONS.get(second, second),
        ),
    ]
    picked = rng.sample(options, k=rng.choice([1, 1, 2]))
    return [o for o in picked if o != (given, first, second) and o[0] and o[1]]
