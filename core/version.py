"""The version of frontdesk core (plugins state which core versions they run on)."""

__version__ = "0.1.0"
