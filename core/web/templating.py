"""Chameleon page templates (``.pt``) through pyramid_chameleon, compiled one at a time.

Chameleon compiles a template when it is first rendered, and Python 3.11's compiler
fails when several threads run it at once ("AST constructor recursion depth mismatch"):
right after a restart under load, some of the first pages would answer 500.
"""

from __future__ import annotations

import threading
from typing import Any

from pyramid.config import Configurator
from pyramid.decorator import reify
from pyramid_chameleon import renderer
from pyramid_chameleon.zpt import PyramidPageTemplateFile, ZPTTemplateRenderer

_COMPILING = threading.RLock()


class SerialTemplateFile(PyramidPageTemplateFile):
    def cook(self, body: str) -> None:
        with _COMPILING:
            super().cook(body)


class SerialTemplateRenderer(ZPTTemplateRenderer):
    @reify
    def template(self) -> SerialTemplateFile:
        return SerialTemplateFile(
            self.path,
            auto_reload=self.lookup.auto_reload,
            debug=self.lookup.debug,
            translate=self.lookup.translate,
            macro=self.macro,
        )


def renderer_factory(info: Any) -> Any:
    return renderer.template_renderer_factory(info, SerialTemplateRenderer)


def includeme(config: Configurator) -> None:
    """pyramid_chameleon, with its ``.pt`` renderer replaced by the serial one."""
    config.include("pyramid_chameleon")
    config.add_renderer(".pt", renderer_factory)
