"""The built-in plugins. Each subpackage is an ordinary plugin found by its entry point."""
