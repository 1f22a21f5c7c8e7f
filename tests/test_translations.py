"""Every text a participant can be shown exists, translated, in every program language.

A language is listed in settings.LANGUAGES only while its catalog is whole: no untranslated and
no fuzzy entry (a half-translated page is worse than an English one), the compiled `.mo` matches
its `.po`, and no text marked for translation in the code is missing from a catalog (the Spanish
portal once showed "Your office appointments" because the catalog had not been regenerated).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

import atd
from atd.testing.services import services_required

SOURCE = Path(atd.__file__).resolve().parent
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def _gettext_tools() -> None:
    if all(shutil.which(tool) for tool in ("msgfmt", "xgettext", "msgmerge")):
        return
    message = "needs GNU gettext (apt-get install gettext)"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)


def _statistics(po: Path, mo: Path) -> str:
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(mo), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_program_languages_are_the_ones_with_catalogs() -> None:
    assert LANGUAGES == ["es", "pt", "fr"]
    for code in LANGUAGES:
        assert (SOURCE / "locale" / code / "LC_MESSAGES" / "django.po").exists()


def test_every_catalog_is_complete_and_compiled(tmp_path: Path) -> None:
    _gettext_tools()
    for code in LANGUAGES:
        folder = SOURCE / "locale" / code / "LC_MESSAGES"
        stats = _statistics(folder / "django.po", tmp_path / f"{code}.mo")
        assert "untranslated" not in stats and "fuzzy" not in stats, f"{code}: {stats}"
        committed = (folder / "django.mo").read_bytes()
        assert committed == (tmp_path / f"{code}.mo").read_bytes(), (
            f"{code}: django.mo is older than django.po (run compilemessages)"
        )


@pytest.mark.slow
def test_no_text_marked_for_translation_is_missing_from_a_catalog(tmp_path: Path) -> None:
    """Regenerates the catalogs from the code in a copy of the tree, then checks them whole."""
    _gettext_tools()
    tree = tmp_path / "atd"
    shutil.copytree(SOURCE, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    script = (
        "import django; from django.conf import settings; "
        f"settings.LOCALE_PATHS = [{str(tree / 'locale')!r}]; django.setup(); "
        "from django.core.management import call_command; "
        f"call_command('makemessages', locale={LANGUAGES!r}, no_location=True, verbosity=0)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "atd.config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for code in LANGUAGES:
        po = tree / "locale" / code / "LC_MESSAGES" / "django.po"
        stats = _statistics(po, tmp_path / f"{code}.mo")
        if "untranslated" in stats or "fuzzy" in stats:
            missing = "".join(
                subprocess.run(
                    ["msgattrib", which, "--no-location", str(po)],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
                for which in ("--untranslated", "--only-fuzzy")
            )
            pytest.fail(f"{code}: texts missing from the catalog ({stats.strip()}):\n{missing}")
