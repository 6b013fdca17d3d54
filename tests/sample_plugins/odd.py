"""Plugins that load but cannot be active, each for its own reason."""

from frontdesk import PUBLIC, Edition, MenuItem, PluginInfo, hookimpl


class NeedsMissing:
    PLUGIN = PluginInfo(name="needs_missing", title="Needs missing", requires=("absent",))


class EnterpriseOnly:
    PLUGIN = PluginInfo(
        name="enterprise_only", title="Enterprise reports", edition=Edition.ENTERPRISE
    )

    @hookimpl
    def frontdesk_configure(self, config):
        config.add_route("enterprise_only.reports", "/reports/")
        config.add_view(
            lambda request: "reports",
            route_name="enterprise_only.reports",
            renderer="string",
            permission=PUBLIC,
        )

    @hookimpl
    def frontdesk_menu_items(self, menu):
        return [MenuItem(label="Reports", route_name="enterprise_only.reports")]


class FutureCore:
    PLUGIN = PluginInfo(name="future_core", title="From the future", requires_core=">=5")

    @hookimpl
    def frontdesk_configure(self, config):
        raise AssertionError("an incompatible plugin must not be configured")


class Misspelt:
    PLUGIN = PluginInfo(name="misspelt", title="Misspelt")

    @hookimpl
    def frontdesk_menu_itmes(self, menu):
        return []


class NoDeclaration:
    @hookimpl
    def frontdesk_configure(self, config):
        pass


# Instances, for entry points (``tests.sample_plugins.odd:enterprise_only``).
enterprise_only = EnterpriseOnly()
needs_missing = NeedsMissing()
