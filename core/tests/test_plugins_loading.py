"""Loading: every way a plugin can be broken is listed as failed with its precise reason, and
the platform starts and serves the good plugin beside it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sieuapp.core.app import SDK_API

GOOD = "good"


def line_of(source: str, needle: str) -> int:
    """The 1-based line of ``needle`` in ``source``, as inspect and tracebacks count it."""
    for number, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the plugin source")


def module_file(plugin_dir: Path, name: str) -> str:
    return str(plugin_dir / f"sieuapp_synthetic_{name}.py")


def broken_manifest_source() -> str:
    return textwrap.dedent(
        """
        from sieuapp.sdk import FrontendEntry, Manifest, Scope, hookimpl, text

        @hookimpl
        def manifest():
            return Manifest(
                id="bad_manifest",
                name=text("", "Broken"),
                description="just a string",
                sdk_api="one point oh",
                scopes=(Scope("location", text("Để tìm bạn", "")),),
                frontend=FrontendEntry(route="hello", icon="http://cdn.example/x.png"),
                roles=("mayor",),
            )
        """
    )


# Each case: how to write the broken plugin, and what its problems must say. ``{file}`` is the
# plugin's module file and ``{line:<text>}`` the line of <text> in its source.
CASES = {
    "import_boom": (
        lambda s: s(
            "import_boom", 'import os\nraise RuntimeError("cannot reach the dispatch server")\n'
        ),
        [
            "import of 'sieuapp_synthetic_import_boom' failed",
            "RuntimeError: cannot reach the dispatch server",
            "{file}:{line:raise RuntimeError}",
        ],
    ),
    "syntax_error": (
        lambda s: s("syntax_error", "def broken(:\n    pass\n"),
        ["import of 'sieuapp_synthetic_syntax_error' failed", "SyntaxError", "{file}:1"],
    ),
    "startup_boom": (
        lambda s: s(
            "startup_boom",
            s.source(
                "startup_boom",
                extra="""
                @hookimpl
                def startup(services):
                    raise ValueError("no licence key")
                """,
            ),
        ),
        [
            "hook 'startup' raised ValueError: no licence key",
            "{file}:{line:def startup}",
            "{file}:{line:raise ValueError}",
        ],
    ),
    "unknown_hook": (
        lambda s: s(
            "unknown_hook",
            s.source(
                "unknown_hook",
                extra="""
                @hookimpl
                def on_payment(services, amount):
                    return amount
                """,
            ),
        ),
        ["hook 'on_payment': no such hook in the SDK API", "{file}:{line:def on_payment}"],
    ),
    "renamed_unknown": (
        # ``specname`` names the hook: a known function name does not hide an unknown hook.
        lambda s: s(
            "renamed_unknown",
            s.source(
                "renamed_unknown",
                extra="""
                @hookimpl(specname="on_refund")
                def health(tenant):
                    return None
                """,
            ),
        ),
        ["hook 'on_refund': no such hook in the SDK API", "{file}:{line:def health}"],
    ),
    "future_sdk": (
        lambda s: s("future_sdk", s.source("future_sdk", sdk_api=">=2")),
        [f"manifest sdk_api: the plugin needs SDK API >=2, this platform implements {SDK_API}"],
    ),
    "bad_argument": (
        lambda s: s(
            "bad_argument",
            s.source(
                "bad_argument",
                extra="""
                @hookimpl
                def health(tenant, services, database):
                    return None
                """,
            ),
        ),
        [
            "hook 'health'",
            "'database'",
            "health(tenant, services)",
            "{file}:{line:def health}",
        ],
    ),
    "keyword_only": (
        lambda s: s(
            "keyword_only",
            s.source(
                "keyword_only",
                extra="""
                @hookimpl
                def health(*, tenant):
                    return None
                """,
            ),
        ),
        [
            "hook 'health': argument(s) 'tenant' must not be keyword-only",
            "{file}:{line:def health}",
        ],
    ),
    "wrapper_impl": (
        lambda s: s(
            "wrapper_impl",
            s.source(
                "wrapper_impl",
                extra="""
                @hookimpl(wrapper=True)
                def health(tenant):
                    return (yield)
                """,
            ),
        ),
        [
            "hook 'health': wrapper implementations are not supported",
            "{file}:{line:def health}",
        ],
    ),
    "bad_manifest": (
        lambda s: s("bad_manifest", broken_manifest_source()),
        [
            "manifest name.vi: must be a non-empty string",
            "manifest description: must be LocalizedText",
            "manifest sdk_api: 'one point oh' is not a PEP 440 version specifier",
            "manifest scopes[0].purpose.en: must be a non-empty string",
            "manifest frontend.route: 'hello' must start with '/'",
            "manifest frontend.icon",
            "manifest roles: unknown role 'mayor'",
        ],
    ),
    "no_manifest": (
        lambda s: s("no_manifest", "from sieuapp.sdk import hookimpl\n"),
        ["hook 'manifest': not implemented"],
    ),
    "manifest_boom": (
        lambda s: s(
            "manifest_boom",
            "from sieuapp.sdk import hookimpl\n\n@hookimpl\ndef manifest():\n"
            "    raise KeyError('name')\n",
        ),
        ["hook 'manifest' raised KeyError", "{file}:{line:def manifest}"],
    ),
    "manifest_dict": (
        lambda s: s(
            "manifest_dict",
            "from sieuapp.sdk import hookimpl\n\n@hookimpl\ndef manifest():\n"
            "    return {'id': 'manifest_dict'}\n",
        ),
        [
            "hook 'manifest' returned dict, not sieuapp.sdk.Manifest",
            "{file}:{line:def manifest}",
        ],
    ),
    "id_mismatch": (
        lambda s: s("id_mismatch", s.source("other_name")),
        [
            "manifest id: 'other_name' differs from the entry point name 'id_mismatch' "
            "in sieuapp_synthetic_id_mismatch"
        ],
    ),
    "bad_routes": (
        lambda s: s(
            "bad_routes",
            s.source("bad_routes").replace("    return bp\n", "    return {'hello': '/hello'}\n"),
        ),
        ["hook 'routes' returned dict, not a flask.Blueprint", "{file}:{line:def routes}"],
    ),
    "routes_boom": (
        lambda s: s(
            "routes_boom",
            s.source("routes_boom").replace(
                "    bp = Blueprint(", "    raise LookupError('no views')\n    bp = Blueprint("
            ),
        ),
        [
            "hook 'routes' raised LookupError: no views",
            "{file}:{line:def routes}",
            "{file}:{line:raise LookupError}",
        ],
    ),
}


def expand(expected: str, plugin_dir: Path, plugin_id: str) -> str:
    path = module_file(plugin_dir, plugin_id)
    if "{line:" in expected:
        head, rest = expected.split("{line:", 1)
        needle, tail = rest.split("}", 1)
        source = Path(path).read_text()
        expected = head + str(line_of(source, needle)) + tail
    return expected.replace("{file}", path)


def plugins_by_id(platform) -> dict[str, dict]:
    response = platform.client("province_admin").get("/api/v1/admin/plugins")
    assert response.status_code == 200, response.json
    return {p["id"]: p for p in response.json["plugins"]}


def assert_good_plugin_serves(platform) -> None:
    hello = platform.client().get(f"/m/{GOOD}/hello")
    assert hello.status_code == 200, hello.json
    assert hello.json == {"greeting": "xin chào", "plugin": GOOD}
    modules = platform.client().get("/api/v1/modules").json["modules"]
    assert [m["id"] for m in modules] == [GOOD]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_plugin_is_listed_as_failed_and_the_others_serve(
    case, make_platform, synthetic, plugin_dir
):
    write, expected = CASES[case]
    synthetic(GOOD)
    write(synthetic)
    platform = make_platform(entry_points=synthetic.entry_points())
    platform.install(GOOD)

    listed = plugins_by_id(platform)
    assert listed[GOOD]["status"] == "loaded"
    assert listed[GOOD]["problems"] == []
    failed = listed[case]
    assert failed["status"] == "failed", failed
    assert failed["distribution"] == f"sieuapp_synthetic_{case}"
    reasons = "\n".join(failed["problems"])
    for fragment in expected:
        assert expand(fragment, plugin_dir, case) in reasons, reasons
    assert_good_plugin_serves(platform)
    # A failed plugin mounts nothing.
    assert platform.client().get(f"/m/{case}/hello").status_code == 404


def test_every_manifest_problem_is_its_own_entry(make_platform, synthetic):
    synthetic("bad_manifest", broken_manifest_source())
    platform = make_platform(entry_points=synthetic.entry_points())
    problems = plugins_by_id(platform)["bad_manifest"]["problems"]
    assert len(problems) == 7, problems
    assert all(p.startswith("manifest ") for p in problems), problems


def test_all_broken_plugins_at_once_leave_the_good_one_serving(make_platform, synthetic):
    synthetic(GOOD)
    for write, _expected in CASES.values():
        write(synthetic)
    platform = make_platform(entry_points=synthetic.entry_points())
    platform.install(GOOD)
    listed = plugins_by_id(platform)
    assert {pid for pid, p in listed.items() if p["status"] == "failed"} == set(CASES)
    assert all(listed[pid]["problems"] for pid in CASES)
    assert_good_plugin_serves(platform)
    ready = platform.client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["status"] == "degraded"
    assert ready.json["plugins"][GOOD]["ok"] is True
    assert ready.json["plugins"]["future_sdk"]["ok"] is False


def test_two_distributions_with_one_entry_point_name_both_fail(make_platform, synthetic):
    synthetic(GOOD)
    synthetic("dup_a", synthetic.source("dup"), entry_name="dup")
    synthetic("dup_b", synthetic.source("dup"), entry_name="dup")
    platform = make_platform(entry_points=synthetic.entry_points())
    platform.install(GOOD)
    dup = plugins_by_id(platform)["dup"]
    assert dup["status"] == "failed"
    reason = "\n".join(dup["problems"])
    assert "entry point name 'dup'" in reason
    assert "sieuapp_synthetic_dup_a" in reason and "sieuapp_synthetic_dup_b" in reason
    # Neither copy is mounted: which one would win is not something to leave to chance.
    assert platform.client().get("/m/dup/hello").status_code == 404
    assert platform.runtime.host.pm.get_plugin("dup") is None
    assert_good_plugin_serves(platform)


def test_a_failed_plugin_cannot_be_installed_and_says_why(make_platform, synthetic):
    synthetic(GOOD)
    synthetic("future_sdk", synthetic.source("future_sdk", sdk_api=">=2"))
    platform = make_platform(entry_points=synthetic.entry_points())
    admin = platform.client("province_admin")
    response = admin.post("/api/v1/admin/plugins/future_sdk/install")
    assert response.status_code == 409, response.json
    assert set(response.json) == {"code", "message", "errors"}
    assert "needs SDK API >=2" in response.json["message"]
    assert any("needs SDK API >=2" in p for p in response.json["errors"]["plugin"])


def test_version_comes_from_the_distribution_metadata(make_platform, synthetic):
    synthetic(GOOD, version="3.4.5")
    platform = make_platform(plugins=[GOOD], entry_points=synthetic.entry_points())
    listed = plugins_by_id(platform)[GOOD]
    assert listed["version"] == "3.4.5"
    assert listed["state"]["installed_version"] == "3.4.5"
    modules = platform.client().get("/api/v1/modules").json["modules"]
    assert modules[0]["version"] == "3.4.5"


def test_a_rewritten_synthetic_plugin_is_imported_afresh(make_platform, synthetic, tmp_path):
    """Synthetic modules share names across tests; a stale import would hide a broken one."""
    synthetic(GOOD)
    first = make_platform(entry_points=synthetic.entry_points())
    assert plugins_by_id(first)[GOOD]["status"] == "loaded"
    synthetic(GOOD, "raise ImportError('second version is broken')\n")
    second = make_platform(entry_points=synthetic.entry_points())
    assert plugins_by_id(second)[GOOD]["status"] == "failed"


def test_an_implementation_declares_only_the_arguments_it_uses(make_platform, synthetic):
    """Argument names are the contract: fewer is fine, and one with a default is never passed."""
    synthetic(
        GOOD,
        synthetic.source(
            GOOD,
            extra="""
            from sieuapp.sdk import Health

            @hookimpl
            def health(tenant, verbose=False):
                return Health(ok=not verbose, detail="checked " + tenant.slug)
            """,
        ),
    )
    platform = make_platform(plugins=[GOOD], entry_points=synthetic.entry_points())
    assert plugins_by_id(platform)[GOOD]["status"] == "loaded"
    ready = platform.client("province_admin").get("/readyz").json
    assert ready["plugins"][GOOD] == {"ok": True, "detail": "checked hue"}
