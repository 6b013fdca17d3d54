"""Distribution ``frontdesk``: the core package and the five built-in plugins.

``core/`` is the import package ``frontdesk``; ``plugins/`` is ``frontdesk.plugins``, so
``plugins/<name>/`` imports as ``frontdesk.plugins.<name>``. The built-in plugins are
declared in the ``frontdesk.plugins`` entry-point group exactly like a third party's.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

EXCLUDE = ["*__pycache__*"]
# Namespace discovery also picks up the data folders (templates/, static/, migrations/...).
CORE_PACKAGES = ["frontdesk"] + [
    f"frontdesk.{p}" for p in find_namespace_packages("core", exclude=EXCLUDE)
]
PLUGIN_PACKAGES = ["frontdesk.plugins"] + [
    f"frontdesk.plugins.{p}" for p in find_namespace_packages("plugins", exclude=EXCLUDE)
]
BUILTIN_PLUGINS = ["portal", "management", "mobile", "kb", "chat"]
DATA_FILES = ["*.pt", "*.css", "*.js", "*.svg", "*.png", "*.ico", "*.mako", "*.pub"]
# Translation catalogs: the template, the sources and the compiled catalogs.
DATA_FILES += ["*.pot", "*.po", "*.mo"]

setup(
    name="frontdesk",
    version="0.1.0",
    description="A plugin-based, extensible help desk on Pyramid and pluggy",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    package_dir={"frontdesk": "core", "frontdesk.plugins": "plugins"},
    packages=CORE_PACKAGES + PLUGIN_PACKAGES,
    package_data={"": DATA_FILES},
    zip_safe=False,
    install_requires=[
        "alembic>=1.13",
        "argon2-cffi>=23.1",
        "Babel>=2.14",
        "cryptography>=42",
        # Background jobs: huey's SQLite queue by default, Redis to scale out.
        "huey>=2.5",
        "markdown-it-py>=3",
        # Trims quoted history and signatures from replies received by mail.
        "mail-parser-reply>=1.36",
        "markupsafe>=2.1",
        "nh3>=0.2.14",
        "packaging>=23",
        "plaster_pastedeploy>=1.0",
        "pluggy>=1.5",
        "psycopg[binary]>=3.1",
        "pyramid>=2.0.2",
        "pyramid_chameleon>=0.3",
        "pyramid_retry>=2.1",
        "pyramid_tm>=2.5",
        "redis>=5",
        # Pyramid 2.x still imports pkg_resources, which newer setuptools dropped.
        "setuptools>=68,<81",
        "sqlalchemy>=2.0.30",
        "transaction>=4",
        # IANA time zones for zoneinfo where the system has none (Windows, slim images).
        "tzdata>=2024.1",
        "waitress>=3",
        "zope.sqlalchemy>=3.1",
    ],
    extras_require={
        "test": [
            "playwright>=1.45",
            "pytest>=8",
            "pytest-cov>=5",
            "pytest-xdist>=3.5",
            "ruff>=0.5",
            "import-linter>=2.1",
            "beautifulsoup4>=4.12",
            # Extracts the translatable strings (scripts/catalogs.py).
            "lingua>=4.15",
            "webtest>=3",
            # A real SMTP server receiving what frontdesk sends (tests/mailservers.py).
            "aiosmtpd>=1.4",
            # The docs build (tests/test_docs.py) and the plugin project template.
            "sphinx>=7.2",
            "myst-parser>=3",
            "copier>=9.3",
        ],
    },
    entry_points={
        "paste.app_factory": ["main = frontdesk.app:main"],
        "console_scripts": ["frontdesk = frontdesk.cli:main"],
        "frontdesk.plugins": [f"{n} = frontdesk.plugins.{n}" for n in BUILTIN_PLUGINS],
    },
)
