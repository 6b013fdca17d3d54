"""The catalog workflow: extract (lingua for templates, Babel for Python), update,
compile and check (Babel).

Each translation domain lives in one package folder and keeps its catalogs there::

    <package>/locale/<domain>.pot
    <package>/locale/<lang>/LC_MESSAGES/<domain>.po
    <package>/locale/<lang>/LC_MESSAGES/<domain>.mo

Run it on any plugin (it needs the ``lingua`` and ``Babel`` packages)::

    python -m frontdesk.i18n.catalogs extract acme_sla=src/acme_sla
    python -m frontdesk.i18n.catalogs update acme_sla=src/acme_sla   # new/changed strings
    python -m frontdesk.i18n.catalogs compile acme_sla=src/acme_sla  # .po -> .mo
    python -m frontdesk.i18n.catalogs check acme_sla=src/acme_sla    # what the tests run

``check`` reports: a template that differs from what the sources hold now, a language
missing, a message untranslated or fuzzy, a placeholder lost or invented, a ``${...}``
that is an expression (a template that forgot ``i18n:name``), and a ``.mo`` that is not
what compiling its ``.po`` gives.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

#: The languages frontdesk ships besides English (the source language).
LANGUAGES = ("de", "fr")
#: Folders of a package that hold no translatable source.
SKIPPED_FOLDERS = {"locale", "static", "migrations", "__pycache__", "tests"}
SOURCE_SUFFIXES = {".py", ".pt"}
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Domain:
    """A translation domain and the package folder that holds its sources and catalogs."""

    name: str
    package: Path

    @property
    def locale_dir(self) -> Path:
        return self.package / "locale"

    @property
    def pot(self) -> Path:
        return self.locale_dir / f"{self.name}.pot"

    def po(self, language: str) -> Path:
        return self.locale_dir / language / "LC_MESSAGES" / f"{self.name}.po"

    def mo(self, language: str) -> Path:
        return self.po(language).with_suffix(".mo")

    def sources(self) -> list[Path]:
        """The ``.py`` and ``.pt`` files of the package, relative to it, sorted."""
        return sorted(
            path.relative_to(self.package)
            for path in self.package.rglob("*")
            if path.suffix in SOURCE_SUFFIXES
            and path.is_file()
            and not SKIPPED_FOLDERS.intersection(path.relative_to(self.package).parts[:-1])
        )


#: The Python calls whose string arguments are messages: translation string factories
#: (``_``) and ``request.localizer.pluralize(singular, plural, n, ...)``.
PYTHON_KEYWORDS = {"_": None, "pluralize": (1, 2)}
#: A comment starting with this just above a message is shown to translators.
COMMENT_TAG = "TRANSLATORS:"


def extract(domain: Domain) -> Catalog:
    """What the sources hold now: the templates' messages of the domain (lingua's
    ``pot-create``, which reads Chameleon's i18n attributes) and the Python modules'
    (Babel's extractor, which follows calls with any arguments)."""
    catalog = Catalog(domain=domain.name, project=domain.name, version="1.0")
    sources = domain.sources()
    for message in _template_messages(domain, [p for p in sources if p.suffix == ".pt"]):
        catalog[message.id] = message
    for path in (p for p in sources if p.suffix == ".py"):
        found = extract_from_file(
            "python",
            str(domain.package / path),
            keywords=PYTHON_KEYWORDS,
            comment_tags=(COMMENT_TAG,),
            strip_comment_tags=True,
        )
        for _line, msgid, comments, context in found:
            catalog.add(
                msgid, locations=[(path.as_posix(), None)], auto_comments=comments, context=context
            )
    catalog.header_comment = f"# Messages of the {domain.name} translation domain.\n#"
    return catalog


def _template_messages(domain: Domain, templates: list[Path]) -> list[Message]:
    if not templates:
        return []
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / f"{domain.name}.pot"
        command = [
            sys.executable,
            "-m",
            "lingua.extract",
            "--domain",
            domain.name,
            "--no-linenumbers",
            "--output",
            str(output),
            *map(str, templates),
        ]
        done = subprocess.run(  # noqa: S603 (our own interpreter, our own arguments)
            command, cwd=domain.package, capture_output=True, text=True, check=False
        )
        if done.returncode == 2:  # no translatable strings at all
            return []
        if done.returncode != 0:
            raise RuntimeError(f"pot-create failed for {domain.name}:\n{done.stderr}")
        with output.open("rb") as pot:
            messages = [message for message in read_po(pot) if message.id]
    for message in messages:
        message.locations = [(file.removeprefix("./"), None) for file, _line in message.locations]
    return messages


#: Flags Babel guesses from ``{...}``: our placeholders are ``${name}``, not Python's.
_GUESSED_FLAGS = {"python-format", "python-brace-format"}


def _write(path: Path, catalog: Catalog) -> None:
    for message in catalog:
        message.flags -= _GUESSED_FLAGS
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=79, sort_output=True, ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())


def _read(path: Path, domain: Domain, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language, domain=domain.name)


def write_template(domain: Domain) -> None:
    """``extract``: the domain's ``.pot`` from its sources."""
    _write(domain.pot, extract(domain))


def update(domain: Domain, languages: Iterable[str] = LANGUAGES) -> None:
    """``update``: every language's ``.po`` brought in line with the ``.pot`` (new
    messages empty, changed ones fuzzy, removed ones dropped); missing ones created."""
    template = _read(domain.pot, domain)
    for language in languages:
        path = domain.po(language)
        if path.exists():
            catalog = _read(path, domain, language)
        else:
            catalog = Catalog(
                locale=language, domain=domain.name, project=domain.name, version="1.0"
            )
            catalog.header_comment = (
                f"# {catalog.locale.english_name} messages of the {domain.name} domain.\n#"
            )
        catalog.update(template, update_header_comment=False)
        catalog.fuzzy = False
        _write(path, catalog)


def compiled(domain: Domain, language: str) -> bytes:
    """The ``.mo`` that the language's ``.po`` compiles to (fuzzy entries left out)."""
    buffer = io.BytesIO()
    write_mo(buffer, _read(domain.po(language), domain, language), use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogs(domain: Domain, languages: Iterable[str] = LANGUAGES) -> None:
    """``compile``: every language's ``.mo`` from its ``.po``."""
    for language in languages:
        domain.mo(language).write_bytes(compiled(domain, language))


def _key(message: Message) -> tuple[str, str | None]:
    msgid = message.id if isinstance(message.id, str) else "\0".join(message.id)
    return msgid, message.context


def _order(key: tuple[str, str | None]) -> tuple[str, str]:
    return key[0], key[1] or ""


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems(domain: Domain, languages: Iterable[str] = LANGUAGES) -> list[str]:
    """Everything ``check`` finds wrong with the domain's catalogs (empty: all good)."""
    found: list[str] = []
    if not domain.pot.exists():
        return [f"{domain.name}: no template {domain.pot.name}; run extract"]
    template = _read(domain.pot, domain)
    wanted = {_key(m): m for m in template if m.id}
    fresh = {_key(m) for m in extract(domain) if m.id}
    for msgid, _ in sorted(fresh - wanted.keys(), key=_order):
        found.append(f"{domain.name}.pot: missing {msgid!r}; run extract")
    for msgid, _ in sorted(wanted.keys() - fresh, key=_order):
        found.append(f"{domain.name}.pot: {msgid!r} is no longer in the sources; run extract")
    for msgid, _ in sorted(wanted, key=_order):
        bad = [name for name in _PLACEHOLDER.findall(msgid) if not _NAME.fullmatch(name)]
        if bad:
            found.append(
                f"{domain.name}: {msgid!r} interpolates an expression (${{{bad[0]}}}); "
                "give the dynamic part an i18n:name"
            )
    for language in languages:
        found.extend(_language_problems(domain, language, wanted))
    return found


def _language_problems(
    domain: Domain, language: str, wanted: dict[tuple[str, str | None], Message]
) -> list[str]:
    where = f"{domain.name} {language}"
    path = domain.po(language)
    if not path.exists():
        return [f"{where}: no catalog {path.name}; run update"]
    found = []
    catalog = _read(path, domain, language)
    have = {_key(m): m for m in catalog if m.id}
    for key in sorted(wanted.keys() - have.keys(), key=_order):
        found.append(f"{where}: {key[0]!r} missing; run update")
    for key, message in sorted(have.items(), key=lambda item: _order(item[0])):
        if key not in wanted:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"{where}: {key[0]!r} is fuzzy")
        if not all(strings):
            found.append(f"{where}: {key[0]!r} is not translated")
            continue
        expected = _placeholders(key[0].replace("\0", " "))
        for text in strings:
            if _placeholders(text) != expected:
                found.append(f"{where}: {key[0]!r} -> {text!r} changes the placeholders")
    mo = domain.mo(language)
    if not mo.exists():
        found.append(f"{where}: no compiled {mo.name}; run compile")
    elif mo.read_bytes() != compiled(domain, language):
        found.append(f"{where}: {mo.name} is not the compiled {path.name}; run compile")
    return found


ACTIONS = ("extract", "update", "compile", "check")


def run(action: str, domains: Sequence[Domain], languages: Sequence[str] = LANGUAGES) -> int:
    """Run ``action`` over ``domains``; returns the exit status (``check``: 1 on problems)."""
    failures = 0
    for domain in domains:
        if action == "extract":
            write_template(domain)
        elif action == "update":
            update(domain, languages)
        elif action == "compile":
            compile_catalogs(domain, languages)
        else:
            for problem in problems(domain, languages):
                print(problem)
                failures += 1
    return 1 if failures else 0


def parse_domain(text: str) -> Domain:
    """``name=path/to/package``."""
    name, separator, path = text.partition("=")
    if not separator or not name or not path:
        raise argparse.ArgumentTypeError(f"{text!r}: expected DOMAIN=PACKAGE_FOLDER")
    return Domain(name, Path(path).resolve())


def main(argv: Sequence[str] | None = None, default_domains: Sequence[Domain] = ()) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Extract, update, compile or check catalogs.")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument(
        "domains",
        nargs="*",
        type=parse_domain,
        help="DOMAIN=PACKAGE_FOLDER (default: every domain of this project)",
    )
    parser.add_argument(
        "-l",
        "--language",
        action="append",
        dest="languages",
        help=f"a language to update, compile or check (default: {', '.join(LANGUAGES)})",
    )
    args = parser.parse_args(argv)
    domains = args.domains or list(default_domains)
    if not domains:
        parser.error("name at least one DOMAIN=PACKAGE_FOLDER")
    return run(args.action, domains, tuple(args.languages or LANGUAGES))


if __name__ == "__main__":
    sys.exit(main())
