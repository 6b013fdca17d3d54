"""A plugin whose import fails."""

raise RuntimeError("greeter database driver missing")
