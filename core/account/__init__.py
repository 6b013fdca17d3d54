"""Account self-service: forgot password, e-mail confirmation and the profile fields.

Sits above ``web`` and ``mail`` (it renders pages and sends mail) and below the
composition layer. It offers the ``add_login_pages`` directive: identity's login, logout
and change-password pages (:func:`frontdesk.identity.login.add_login_pages`) plus, for
every interface, "forgot password", the reset link and the e-mail confirmation link.
"""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    """The ``add_login_pages`` directive, with the self-service pages of each interface."""
    from frontdesk.account.pages import add_login_pages

    config.add_directive("add_login_pages", add_login_pages)
