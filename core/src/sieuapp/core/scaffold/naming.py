"""The names a plugin id gives a distribution, and the check of the id itself."""

from __future__ import annotations

from dataclasses import dataclass

from sieuapp.sdk import API_VERSION, Manifest, text


def id_problems(plugin_id: str) -> list[str]:
    """What is wrong with ``plugin_id`` by the SDK's own rule (empty when it is valid)."""
    # A throwaway manifest asks the SDK itself, so the rule lives in one place.
    probe = Manifest(id=plugin_id, name=text("x", "x"), description=text("x", "x"), sdk_api=">=1")
    return [p.removeprefix("id: ") for p in probe.problems() if p.startswith("id:")]


def sdk_range(api_version: str = API_VERSION) -> str:
    """The SDK API range a new plugin supports: this API version up to the next major one."""
    major = int(api_version.split(".", 1)[0])
    return f">={api_version},<{major + 1}"


@dataclass(frozen=True)
class PluginNames:
    id: str
    company: str

    @property
    def package(self) -> str:
        return f"sieuapp_{self.id}"

    @property
    def distribution(self) -> str:
        return f"sieuapp-{self.id.replace('_', '-')}"

    @property
    def title(self) -> str:
        words = self.id.replace("_", " ").strip()
        return words[:1].upper() + words[1:]

    def values(self) -> dict[str, str]:
        """What the templates may use as ``{{name}}``."""
        return {
            "id": self.id,
            "package": self.package,
            "distribution": self.distribution,
            "title": self.title,
            "company": self.company,
            "name_vi": f"Dịch vụ {self.title}",
            "name_en": f"{self.title} service",
            "sdk_range": sdk_range(),
            "description": f"{self.title}: a sieuapp service plugin by {self.company}",
        }
