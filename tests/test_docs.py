"""The documentation stays true to the code: every hook with its exact signature, every
setting, and no link to a page that is not there."""

from __future__ import annotations

import inspect
import os
import re
from dataclasses import fields
from pathlib import Path
from types import FunctionType

from sieuapp.core.settings import Settings
from sieuapp.sdk import hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

#: ``### `tenant_enabled(tenant, config, services)` `` (any heading level), name and arguments.
HOOK_HEADING = re.compile(r"^#{1,6}\s+.*?`([A-Za-z_]\w*)\(([^)]*)\)`", re.MULTILINE)
ENV_NAME = re.compile(r"\bSIEUAPP_[A-Z0-9_]*[A-Z0-9]")
#: Inline links ``[text](target)``; images too, since they must exist as well.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
#: Where the project reads or sets environment variables (docs and this file excluded).
CODE_SUFFIXES = {".py", ".toml", ".sh", ".cfg", ".ini"}
SCRIPT_DIRS = {".ci", "scripts"}
SKIP_DIRS = {".venv", ".git", "docs", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}


# -- reading the code --------------------------------------------------------------------


def hook_signatures() -> dict[str, str]:
    """``{hook name: "name(arg, ...)"}`` for every hook specification of the SDK."""
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: f"{name}({', '.join(inspect.signature(function).parameters)})"
        for name, function in vars(hookspecs).items()
        if isinstance(function, FunctionType) and hasattr(function, marker)
    }


def setting_variables() -> set[str]:
    return {f"SIEUAPP_{f.name.upper()}" for f in fields(Settings) if f.name != "extra"}


def variables_in_code() -> set[str]:
    """``SIEUAPP_*`` names that the project's code, configuration and scripts mention."""
    found: set[str] = set()
    this = Path(__file__).resolve()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIP_DIRS]
        here = Path(folder)
        scripts = here.relative_to(ROOT).parts[:1] in {(d,) for d in SCRIPT_DIRS}
        for name in files:
            path = here / name
            if path == this or not (scripts or path.suffix in CODE_SUFFIXES):
                continue
            found.update(ENV_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


# -- reading the docs --------------------------------------------------------------------


def documented_hooks(markdown: str) -> list[tuple[str, str]]:
    """``(name, "name(arg, ...)")`` for each heading holding a call signature."""
    found = []
    for name, arguments in HOOK_HEADING.findall(FENCE.sub("", markdown)):
        names = [a.strip() for a in arguments.split(",") if a.strip()]
        found.append((name, f"{name}({', '.join(names)})"))
    return found


def relative_links(markdown: str) -> list[str]:
    """Targets of links that point into the repository or into this page (not URLs)."""
    return [
        target
        for target in LINK.findall(FENCE.sub("", markdown))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)
    ]


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the page's headings: lowercase, punctuation dropped, spaces
    as hyphens, ``-1``, ``-2`` … for repeats."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", markdown), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def doc_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


# -- the checks --------------------------------------------------------------------------


def check_hooks(markdown: str, specs: dict[str, str]) -> list[str]:
    documented = documented_hooks(markdown)
    problems = []
    headings: dict[str, list[str]] = {}
    for name, signature in documented:
        headings.setdefault(name, []).append(signature)
    for name, signature in sorted(specs.items()):
        if name not in headings:
            problems.append(f"hook {signature} has no heading in docs/hooks.md")
        elif signature not in headings[name]:
            problems.append(
                f"hook {name}: documented as {', '.join(headings[name])}, the code says {signature}"
            )
        elif len(headings[name]) > 1:
            problems.append(f"hook {name}: documented {len(headings[name])} times")
    for name in sorted(set(headings) - set(specs)):
        problems.append(f"docs/hooks.md documents {headings[name][0]}, which is no hook of the SDK")
    return problems


def check_settings(markdown: str, settings: set[str], known: set[str]) -> list[str]:
    documented = set(ENV_NAME.findall(markdown))
    problems = [
        f"{name} is a setting but docs/configuration.md does not mention it"
        for name in sorted(settings - documented)
    ]
    problems += [
        f"docs/configuration.md mentions {name}, which neither Settings nor the code knows"
        for name in sorted(documented - settings - known)
    ]
    return problems


def check_links(pages: list[Path]) -> list[str]:
    problems = []
    for page in pages:
        for target in relative_links(page.read_text(encoding="utf-8")):
            path, _, anchor = target.partition("#")
            linked = (page.parent / path) if path else page
            if not linked.exists():
                problems.append(f"{page.name}: link to {target}, which does not exist")
                continue
            headed = linked.suffix == ".md" and linked.is_file()
            if anchor and headed and anchor not in anchors(linked.read_text(encoding="utf-8")):
                problems.append(f"{page.name}: link to {target}, a heading that does not exist")
    return problems


# -- tests of the docs -------------------------------------------------------------------


def test_every_hook_is_documented_with_its_exact_signature() -> None:
    specs = hook_signatures()
    assert len(specs) >= 9, f"expected the SDK's hooks, found {sorted(specs)}"
    problems = check_hooks((DOCS / "hooks.md").read_text(encoding="utf-8"), specs)
    assert not problems, "\n".join(problems)


def test_every_setting_is_documented_and_no_unknown_one() -> None:
    settings = setting_variables()
    assert "SIEUAPP_DATABASE_URL" in settings
    markdown = (DOCS / "configuration.md").read_text(encoding="utf-8")
    problems = check_settings(markdown, settings, variables_in_code() - settings)
    assert not problems, "\n".join(problems)


def test_every_relative_link_in_the_docs_exists() -> None:
    pages = doc_pages()
    assert pages, "docs/ holds no pages"
    problems = check_links(pages)
    assert not problems, "\n".join(problems)


# -- the checks can fail -----------------------------------------------------------------


HOOKS_DOC = """
### `health(tenant, services)`
### `routes(services)`
```python
### `manifest()`  -- inside a code block: not a heading
```
"""


def test_hook_check_finds_missing_wrong_and_unknown_hooks() -> None:
    specs = {
        "health": "health(tenant, services)",
        "routes": "routes(services)",
        "manifest": "manifest()",
    }
    assert check_hooks(HOOKS_DOC, specs) == ["hook manifest() has no heading in docs/hooks.md"]
    reordered = {**specs, "health": "health(services, tenant)"}
    assert any(
        "the code says health(services, tenant)" in p for p in check_hooks(HOOKS_DOC, reordered)
    )
    assert check_hooks(HOOKS_DOC + "### `manifest()`\n### `on_payment(order)`\n", specs) == [
        "docs/hooks.md documents on_payment(order), which is no hook of the SDK"
    ]


def test_hook_check_reads_the_real_specs_exactly() -> None:
    # A hook renamed or given a new argument in the code must make the real page fail.
    markdown = (DOCS / "hooks.md").read_text(encoding="utf-8")
    specs = hook_signatures()
    changed = {**specs, "health": "health(tenant, services, deadline)"}
    assert check_hooks(markdown, changed) == [
        "hook health: documented as health(tenant, services), "
        "the code says health(tenant, services, deadline)"
    ]


def test_settings_check_finds_missing_and_unknown_variables() -> None:
    settings = {"SIEUAPP_DATABASE_URL", "SIEUAPP_DEBUG"}
    markdown = "`SIEUAPP_DATABASE_URL`, `SIEUAPP_DATABSE_URL` and SIEUAPP_TEST_DATABASE_URL."
    assert check_settings(markdown, settings, {"SIEUAPP_TEST_DATABASE_URL"}) == [
        "SIEUAPP_DEBUG is a setting but docs/configuration.md does not mention it",
        "docs/configuration.md mentions SIEUAPP_DATABSE_URL, which neither Settings nor the "
        "code knows",
    ]


def test_link_check_finds_broken_links_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "hooks.md").write_text("# Hooks\n## The compatibility rule\n### `health(tenant)`\n")
    page = tmp_path / "index.md"
    page.write_text(
        "# Index\n"
        "[ok](hooks.md#the-compatibility-rule) [ok](hooks.md#healthtenant) [top](#index)\n"
        "[web](https://example.org/x.md) [mail](mailto:a@b.vn)\n"
        "[gone](tutorial.md) ![img](img/a.png) [stale](hooks.md#compatibility) [self](#nope)\n"
        "```\n[in code](nowhere.md)\n```\n"
    )
    assert check_links([page]) == [
        "index.md: link to tutorial.md, which does not exist",
        "index.md: link to img/a.png, which does not exist",
        "index.md: link to hooks.md#compatibility, a heading that does not exist",
        "index.md: link to #nope, a heading that does not exist",
    ]


def test_anchors_follow_githubs_rules() -> None:
    markdown = "# Cấu hình\n## Plugins: loading & failure\n## Plugins: loading & failure\n"
    assert anchors(markdown) == {
        "cấu-hình",
        "plugins-loading--failure",
        "plugins-loading--failure-1",
    }
