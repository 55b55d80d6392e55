"""The production guard holds however the host is written, and refuses before any connection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from contract_tests.settings import SettingsError, configure
from meetings_spec import load_spec
from meetings_spec.hosts import Origin, normalise_host, origin, production_server, production_servers

ROOT = Path(__file__).resolve().parent.parent

#: The production server of the spec, written every way a client still reaches it.
PRODUCTION_FORMS = [
    "https://api.waterrai.com",
    "https://api.waterrai.com/",
    "https://API.waterrai.com",
    "HTTPS://API.WATERRAI.COM",
    "https://api.waterrai.com.",
    "https://api.waterrai.com:443",
    "https://api.waterrai.com:0443",
    "https://api.waterrai.com.:443/v1",
    "https://user:pw@api.waterrai.com",
    "https://user@API.waterrai.com.:443",
    "http://api.waterrai.com",
    "http://api.waterrai.com:80",
    "https://api.waterrai.com:8443",
    "https://api%2Ewaterrai%2Ecom",
    "https://%61%50i.waterrai.com",
    "https://ａｐｉ.ｗａｔｅｒｒａｉ.ｃｏｍ",
    "https://ＡＰＩ.waterrai.com",
    "https://api。waterrai。com",
    "https://api.water\u00adrai.com",
    "https://\U0001d41a\U0001d429\U0001d422.waterrai.com",
    " https://api.waterrai.com",
    "hTTps://u:p@%41PI.WaterRAI.com.:443/",
]

#: Hosts that only look like production, and must not be refused.
OTHER_SERVERS = [
    "https://staging.waterrai.com",
    "https://api.waterrai.com.evil.example",
    "https://api.waterrai.com@staging.example.com",
    "https://api-waterrai.com",
    "https://xn--api-waterrai-com.example",
    "http://127.0.0.1:4010",
]

#: URLs no client could use (or that clients read differently): refused as unusable.
UNUSABLE = [
    "https://staging.example.com\\@api.waterrai.com",
    "https://api.waterrai.com:99999",
    "https://api.waterrai.com:44x",
    "https://%ff.waterrai.com",
    "https://api.waterrai.com%2F",
    "https://api.waterrai.com%00.example",
]


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_spec()


def _options(base_url: str, allow: bool = False) -> Namespace:
    return Namespace(base_url=base_url, allow_production=allow, contract_strict=False, seed=1, max_creates=1, max_examples=1, summary=None)


@pytest.fixture()
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATERRAI_API_TOKEN", "guard-test-token")
    monkeypatch.delenv("WATERRAI_SCENARIO_ID", raising=False)


def test_the_spec_marks_one_production_server(spec: dict) -> None:
    assert production_servers(spec) == ["https://api.waterrai.com"]


@pytest.mark.parametrize("url", PRODUCTION_FORMS)
def test_every_form_of_the_production_host_is_production(url: str, spec: dict) -> None:
    assert origin(url).host == "api.waterrai.com"
    assert production_server(url, spec) == "https://api.waterrai.com"


@pytest.mark.parametrize("url", PRODUCTION_FORMS)
def test_the_suite_refuses_every_form_and_says_what_to_do(url: str, spec: dict, token: None) -> None:
    with pytest.raises(SettingsError) as refused:
        configure(_options(url), spec)
    assert "production API" in str(refused.value) and "--allow-production" in str(refused.value)
    assert "pw" not in str(refused.value)  # the user info of the URL is not repeated
    assert configure(_options(url, allow=True), spec).base_url == url.strip().rstrip("/")


@pytest.mark.parametrize("url", OTHER_SERVERS)
def test_other_hosts_are_not_production(url: str, spec: dict, token: None) -> None:
    assert production_server(url, spec) is None
    assert configure(_options(url), spec).base_url == url


@pytest.mark.parametrize("url", UNUSABLE)
def test_a_url_without_a_usable_host_is_refused(url: str, spec: dict, token: None) -> None:
    with pytest.raises(ValueError):
        production_server(url, spec)
    with pytest.raises(SettingsError, match="not a URL the suite can use"):
        configure(_options(url, allow=True), spec)


def test_origins_are_canonical() -> None:
    assert origin("HTTPS://User:pw@API.WaterRAI.com.:443/x") == origin("https://api.waterrai.com") == Origin("https", "api.waterrai.com", 443)
    assert origin("http://api.waterrai.com") == Origin("http", "api.waterrai.com", 80)
    assert origin("https://api.waterrai.com:80") == Origin("https", "api.waterrai.com", 80)
    assert origin("https://Bücher.de") == origin("https://xn--bcher-kva.de") == origin("https://XN--BCHER-KVA.DE.")
    assert origin("http://[::1]:4010") == Origin("http", "::1", 4010) and str(origin("http://[0:0::1]:4010")) == "http://[::1]:4010"
    assert normalise_host("my_service") == "my_service"  # ASCII names pass as they are (docker service names)


# ----------------------------------------------------------------- refused before any connection

#: Runs the suite once per URL, in one process, as ``pytest`` does; an audit hook records every
#: name lookup and connection the process attempts. The control at the end makes the request the
#: suite makes first (its check that the target answers): the hook must see that one.
DRIVER = """
import json, sys
import pytest
import requests

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

calls = []
sys.addaudithook(lambda event, args: calls.append(event) if event in ("socket.getaddrinfo", "socket.connect", "socket.gethostbyname") else None)
results = {}
for url in json.loads(sys.argv[1]):
    before = len(calls)
    status = pytest.main(["contract_tests", "--base-url", url, "-p", "no:cacheprovider", "-q"])
    results[url] = {"exit": int(status), "network": calls[before:]}
before = len(calls)
try:
    requests.get(sys.argv[3], timeout=5)
except requests.RequestException:
    pass
results["control"] = {"network": calls[before:]}
with open(sys.argv[2], "w") as out:
    json.dump(results, out)
"""

#: Not production, and unreachable.
CONTROL = "http://127.0.0.1:9"


def _unshare_permitted() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.parametrize("network", ["audited", "no network at all"])
def test_production_is_refused_before_any_lookup_or_connection(network: str, tmp_path: Path) -> None:
    prefix: list[str] = []
    if network == "no network at all":
        if not _unshare_permitted():
            pytest.skip("`unshare -n` is not permitted here (needs root or user namespaces): the audited run still proves it")
        prefix = ["unshare", "-n"]
    results_file = tmp_path / "results.json"
    environment = {**os.environ, "WATERRAI_API_TOKEN": "guard-test-token"}
    environment.pop("WATERRAI_SCENARIO_ID", None)
    run = subprocess.run(
        [*prefix, sys.executable, "-c", DRIVER, json.dumps(PRODUCTION_FORMS), str(results_file), CONTROL],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180,
    )
    assert results_file.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(results_file.read_text())
    control = results.pop("control")
    assert "socket.connect" in control["network"], f"the audit hook saw no connection attempt: {control}"
    for url, result in results.items():
        assert result == {"exit": 4, "network": []}, f"{url!r}: {result}"
    assert run.stderr.count("pass --allow-production if you mean it") == len(PRODUCTION_FORMS), run.stderr[-3000:]


@pytest.mark.parametrize(
    ("server", "url"),
    [("https://bücher.example", "https://xn--bcher-kva.example"), ("https://xn--bcher-kva.example", "https://BÜCHER.example.:443")],
)
def test_an_internationalised_production_host_matches_in_either_form(server: str, url: str) -> None:
    spec = {"servers": [{"url": server, "x-production": True}]}
    assert production_server(url, spec) == server
    assert production_server("https://bucher.example", spec) is None
