"""docker-compose.yml cannot run here (no Docker engine): its structure is checked instead.

Services present and wired in order, health checks, persistent volumes, secrets required rather
than defaulted, and sohoa's settings pointing at the services that the file defines: the index
URL parses and names the Elasticsearch service and the CA the certificate job writes, the S3
bucket is the one the MinIO job creates, Prefect's URL is the server's. Also: pinned versions,
hardening (compose-lint), the Prefect UI behind a password, the API independent of Prefect, and
an image build context that cannot carry .env, inboxes or data (computed as Docker computes it).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from indexing.elastic import parse_elastic_url
from storage.s3 import parse_s3_url

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"

SERVICES = {
    "es-certs", "elasticsearch", "es-setup", "minio", "minio-init",
    "prefect-db", "prefect-server", "schedules", "worker", "api", "dask-scheduler", "dask-worker",
}  # fmt: skip
ONE_SHOTS = {"es-certs", "es-setup", "minio-init", "schedules"}
SOHOA = {"schedules", "worker", "api", "dask-worker"}  # services that read sohoa's settings
PREFECT_CLIENTS = SOHOA - {"api"}  # search must not stop when Prefect does
DASK = {"dask-scheduler", "dask-worker"}
# Values given to the variables compose would read from .env.
ENV = {
    "ELASTIC_PASSWORD": "Elastic0pw",
    "SOHOA_ES_PASSWORD": "Sohoa0pw",
    "MINIO_ROOT_USER": "root",
    "MINIO_ROOT_PASSWORD": "Minio0pw",
    "SOHOA_S3_ACCESS_KEY": "sohoa",
    "SOHOA_S3_SECRET_KEY": "S3secret0",
    "PREFECT_DB_PASSWORD": "Prefect0pw",
    "PREFECT_AUTH_STRING": "admin:Ui0pw",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} substitution ($$ is a literal $)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, op, arg = match.groups()
        if env.get(name):
            return env[name]
        if op and op.endswith("?"):
            raise KeyError(f"{name} is required: {arg}")
        return arg if op and op.endswith("-") else ""

    return _VARIABLE.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(raw: dict[str, Any]) -> dict[str, Any]:
    return interpolate(raw["services"], ENV)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> source (volume name or host path)."""
    found = {}
    for spec in service.get("volumes", []):
        source, target, *_ = spec.split(":")
        found[target] = source
    return found


def test_every_service_is_there(services: dict[str, Any]) -> None:
    assert set(services) == SERVICES


def test_secrets_are_required_not_defaulted(raw: dict[str, Any]) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for name in ENV:
        assert f"${{{name}:?" in text, name
        assert not re.search(rf"\${{{name}:-", text), f"{name} has a default"
    with pytest.raises(KeyError, match="ELASTIC_PASSWORD"):
        interpolate(raw["services"], {k: v for k, v in ENV.items() if k != "ELASTIC_PASSWORD"})
    assert "changeme" not in text.lower()
    example = (DEPLOY / "example.env").read_text(encoding="utf-8")
    assert all(re.search(rf"^{name}=$", example, re.M) for name in ENV)  # named, left empty


def test_depends_on_names_services_and_has_no_cycle(services: dict[str, Any]) -> None:
    graph = {name: set(service.get("depends_on", {})) for name, service in services.items()}
    assert all(deps <= set(services) for deps in graph.values())
    done: set[str] = set()
    while graph.keys() - done:
        ready = {n for n, deps in graph.items() if n not in done and deps <= done}
        assert ready, f"dependency cycle among {graph.keys() - done}"
        done |= ready


def test_one_shot_jobs_run_once_and_gate_what_needs_them(services: dict[str, Any]) -> None:
    for name in ONE_SHOTS:
        assert services[name]["restart"] == "no", name
    waits = {
        (name, dep): cond["condition"]
        for name, service in services.items()
        for dep, cond in service.get("depends_on", {}).items()
    }
    assert waits[("elasticsearch", "es-certs")] == "service_completed_successfully"
    assert waits[("es-setup", "elasticsearch")] == "service_healthy"
    assert waits[("minio-init", "minio")] == "service_healthy"
    assert waits[("prefect-server", "prefect-db")] == "service_healthy"
    for name in SOHOA:
        assert waits[(name, "es-setup")] == "service_completed_successfully"
        assert waits[(name, "minio-init")] == "service_completed_successfully"
    for name in PREFECT_CLIENTS:
        assert waits[(name, "prefect-server")] == "service_healthy"
    assert ("api", "prefect-server") not in waits, "search stays up while Prefect is down"
    assert waits[("worker", "schedules")] == "service_completed_successfully"


def test_long_running_services_have_health_checks_and_restart(services: dict[str, Any]) -> None:
    for name in SERVICES - ONE_SHOTS:
        check = services[name].get("healthcheck", {})
        assert check.get("test") and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert services[name]["restart"] == "unless-stopped", name


def test_data_lives_in_named_volumes(raw: dict[str, Any], services: dict[str, Any]) -> None:
    declared = set(raw["volumes"])
    assert mounts(services["elasticsearch"])["/usr/share/elasticsearch/data"] == "es-data"
    assert mounts(services["minio"])["/data"] == "minio-data"
    assert mounts(services["prefect-db"])["/var/lib/postgresql/data"] == "prefect-db"
    for name, service in services.items():
        for target, source in mounts(service).items():
            if not source.startswith((".", "/")):
                assert source in declared, (name, source)
            else:
                assert (ROOT / source).exists() or target == "/srv/inbox", (name, source)


def test_elasticsearch_is_the_stock_image_with_security_on(services: dict[str, Any]) -> None:
    es = services["elasticsearch"]
    image, _, tag = es["image"].rpartition(":")
    assert image == "docker.elastic.co/elasticsearch/elasticsearch"
    assert tag.split(".")[0] == "9"  # the elasticsearch client in use is 9.x
    env = environment(es)
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "true"
    assert env["xpack.security.http.ssl.enabled"] == "true"
    assert "command" not in es and "entrypoint" not in es  # nothing installed at start
    for service in ("es-certs", "es-setup"):
        assert services[service]["image"] == es["image"]
    assert "elasticsearch-plugin" not in COMPOSE.read_text(encoding="utf-8")


def test_sohoa_settings_point_at_the_services(services: dict[str, Any]) -> None:
    certs_script = (DEPLOY / "es-certs.sh").read_text(encoding="utf-8")
    for name in SOHOA:
        env = environment(services[name])
        index = parse_elastic_url(env["SOHOA_INDEX"])
        assert index.host == "https://elasticsearch:9200"
        assert (index.username, index.password) == ("sohoa", ENV["SOHOA_ES_PASSWORD"])
        assert index.alias == environment(services["es-setup"])["SOHOA_ES_ALIAS"]
        assert "dns: [elasticsearch," in certs_script  # the certificate names that host
        # the CA file sohoa trusts is in the certs volume the job writes
        ca_dir, _, ca_file = index.ca_certs.rpartition("/ca/")
        assert mounts(services[name])[ca_dir] == "certs" and ca_file == "ca.crt"
        assert mounts(services["es-certs"])["/usr/share/elasticsearch/config/certs"] == "certs"

        bucket, prefix = parse_s3_url(env["SOHOA_STORAGE"])
        assert bucket == environment(services["minio-init"])["SOHOA_BUCKET"] and prefix
        endpoint = urlsplit(env["AWS_ENDPOINT_URL"])
        assert (endpoint.hostname, endpoint.port) == ("minio", 9000)
        assert env["AWS_ACCESS_KEY_ID"] == environment(services["minio-init"])["SOHOA_S3_ACCESS_KEY"]
        assert env["AWS_ACCESS_KEY_ID"] != environment(services["minio"])["MINIO_ROOT_USER"]

        prefect = urlsplit(env["PREFECT_API_URL"])
        assert (prefect.hostname, prefect.port, prefect.path) == ("prefect-server", 4200, "/api")
        assert "4200" in services["prefect-server"]["command"]


def test_api_and_worker_commands(services: dict[str, Any]) -> None:
    """The worker is `sohoa worker` on the pool `sohoa` (what `sohoa schedule add` and `--spread`
    use), scalable (no fixed name or host port); the inbox is a drop-folder schedule on it."""
    assert services["api"]["command"][:4] == ["sohoa", "serve", "--host", "0.0.0.0"]
    worker = services["worker"]["command"]
    assert worker[:4] == ["sohoa", "worker", "--pool", "sohoa"]
    assert worker[worker.index("--metrics-port") + 1] == "9108"
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]
    assert services["schedules"]["command"] == ["python", "-m", "flows.deployments"]
    assert services["api"]["build"]["dockerfile"] == "deploy/Dockerfile"
    env = environment(services["schedules"])
    assert env["SOHOA_INBOX"] == "/srv/inbox" and env["SOHOA_INGEST_CRON"] == "*/10 * * * *"
    assert mounts(services["schedules"])["/srv/inbox"] == mounts(services["worker"])["/srv/inbox"]


def test_dask_is_optional_and_wired_to_the_worker(services: dict[str, Any]) -> None:
    """The Dask services start only with `--profile dask`; SOHOA_DASK_ADDRESS set in .env makes
    the worker's batches run on them, and they read the inbox at the worker's path."""
    for name in DASK:
        assert services[name]["profiles"] == ["dask"], name
        assert services[name]["image"] == services["worker"]["image"], "one Dask and sohoa version"
    assert not any("profiles" in services[name] for name in SERVICES - DASK)
    assert environment(services["worker"])["SOHOA_DASK_ADDRESS"] == ""  # threads unless set
    address = "tcp://dask-scheduler:8786"
    wired = interpolate(
        yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"], ENV | {"SOHOA_DASK_ADDRESS": address}
    )
    assert environment(wired["worker"])["SOHOA_DASK_ADDRESS"] == address
    scheduler = services["dask-scheduler"]["command"]
    assert scheduler[:2] == ["dask", "scheduler"] and scheduler[scheduler.index("--port") + 1] == "8786"
    worker = services["dask-worker"]["command"]
    assert worker[:3] == ["dask", "worker", address]
    assert worker[worker.index("--nthreads") + 1] == "1"
    # one process per container, so its /metrics covers all of its work (scale containers)
    assert worker[worker.index("--nworkers") + 1] == "1"
    assert services["dask-worker"]["depends_on"]["dask-scheduler"]["condition"] == "service_healthy"
    assert mounts(services["dask-worker"]) == mounts(services["worker"])


def test_only_the_api_and_the_prefect_ui_are_published_beyond_this_host(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for port in service.get("ports", []):
            if name not in ("api", "prefect-server"):
                assert str(port).startswith("127.0.0.1:"), (name, port)
    assert services["prefect-server"]["ports"] == ["4200:4200"]


def test_the_prefect_ui_and_api_need_the_password(raw: dict[str, Any], services: dict[str, Any]) -> None:
    """Prefect 3 basic auth: the server asks for PREFECT_AUTH_STRING, every client sends it."""
    server = environment(services["prefect-server"])
    assert server["PREFECT_SERVER_API_AUTH_STRING"] == ENV["PREFECT_AUTH_STRING"]
    assert server["PREFECT_UI_API_URL"] == "/api"  # the browser's origin, from any machine
    for name in PREFECT_CLIENTS:
        assert environment(services[name])["PREFECT_API_AUTH_STRING"] == ENV["PREFECT_AUTH_STRING"]
    with pytest.raises(KeyError, match="PREFECT_AUTH_STRING"):
        interpolate(raw["services"], {k: v for k, v in ENV.items() if k != "PREFECT_AUTH_STRING"})


def test_versions_are_pinned_and_prefect_matches(services: dict[str, Any]) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert ":latest" not in text
    for name, service in services.items():
        image, _, tag = service["image"].rpartition(":")
        assert image and re.search(r"\d", tag) and tag != "latest", (name, service["image"])
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (client,) = re.findall(r"^ARG PREFECT_VERSION=(\S+)$", dockerfile, re.M)
    assert 'pip install /app "prefect==${PREFECT_VERSION}"' in dockerfile
    server = services["prefect-server"]["image"]
    assert server == f"prefecthq/prefect:{client}-python3.12", "server and client on one Prefect"
    assert services["worker"]["build"]["args"]["PREFECT_VERSION"] == client
    import prefect

    assert prefect.__version__ == client, "the tests run the Prefect the image installs"


def test_every_service_is_hardened(services: dict[str, Any]) -> None:
    for name, service in services.items():
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        assert service.get("cap_drop") == ["ALL"], name
        assert service.get("mem_limit") and service.get("cpus"), name
        assert not set(service.get("cap_add", [])) & {"SYS_ADMIN", "NET_ADMIN", "ALL"}, name


def test_compose_lint_finds_nothing_high_and_few_medium() -> None:
    """A maintained Compose linter over the file (suppressions in .compose-lint.yml, each with
    its reason): 0 high or critical, at most 10 medium."""
    import json
    import sys

    linter = Path(sys.executable).with_name("compose-lint")
    done = subprocess.run(
        [str(linter), "check", str(COMPOSE), "--format", "json"], cwd=ROOT, capture_output=True, text=True
    )
    report = json.loads(done.stdout)
    assert not report["errors"], report["errors"]
    counted = [f for f in report["findings"] if not f["suppressed"]]
    by_severity = {s: [f for f in counted if f["severity"] == s] for s in ("critical", "high", "medium")}
    assert not by_severity["critical"] and not by_severity["high"], by_severity
    assert len(by_severity["medium"]) <= 10, [(f["service"], f["rule_id"]) for f in by_severity["medium"]]
    for f in report["findings"]:
        if f["suppressed"]:
            assert f["service"] in SOHOA | {"dask-scheduler"} and f["rule_id"] == "CL-0019", f


def test_minio_cleans_up_incomplete_multipart_uploads(services: dict[str, Any]) -> None:
    env = environment(services["minio"])
    assert env["MINIO_API_STALE_UPLOADS_EXPIRY"] == "24h"
    assert "stale_uploads" in (DEPLOY / "minio-init.sh").read_text(encoding="utf-8")


def _build_context(root: Path) -> set[str]:
    """The files Docker would send for `docker build -f deploy/Dockerfile root` (docker-py's
    implementation of the .dockerignore rules)."""
    from docker.utils.build import exclude_paths

    patterns = [
        line.strip()
        for line in (root / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sent = {p for p in exclude_paths(str(root), patterns, "deploy/Dockerfile") if (root / p).is_file()}
    return sent - {".dockerignore", "deploy/Dockerfile"}  # always sent, never copied into the image


def test_the_build_context_keeps_secrets_inboxes_and_data_out(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text((ROOT / ".dockerignore").read_text(encoding="utf-8"))
    planted = [
        ".env", ".env.production", "inbox/scan.pdf", ".sohoa/store/records/a/manifest.json",
        "certs/ca.key", "core/.env", "api/inbox/b.pdf", "core/__pycache__/x.pyc", "tests/t.py",
        "deploy/example.env", "docs/images/x.png", "bench/out/r.json", ".git/config",
    ]  # fmt: skip
    needed = ["pyproject.toml", "README.md", "core/__init__.py", "cli/prefect_logging.yaml", "flows/x.py"]
    for name in planted + needed:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert _build_context(tmp_path) == set(needed)

    real = _build_context(ROOT)
    assert not [p for p in real if Path(p).name.startswith(".env") or "inbox" in Path(p).parts]
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    top = {name.rstrip("*") for name in packages["packages"]["find"]["include"]}
    assert {p.split("/")[0] for p in real} == top | {"pyproject.toml", "README.md"}, "pip install needs"


def test_image_has_the_ocr_tools_and_runs_unprivileged() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.1[1-9]-slim", dockerfile, re.M)
    for package in ("tesseract-ocr-vie", "tesseract-ocr-osd", "poppler-utils"):
        assert package in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert not (DEPLOY / "Dockerfile.dockerignore").exists(), "it would override .dockerignore"


@pytest.mark.parametrize(
    ("script", "shell"), [("es-certs.sh", "bash"), ("es-setup.sh", "bash"), ("minio-init.sh", "sh")]
)
def test_job_scripts_parse(script: str, shell: str) -> None:
    subprocess.run([shell, "-n", str(DEPLOY / script)], check=True)


def test_the_sohoa_user_may_write_every_index_sohoa_keeps() -> None:
    """The restricted Elasticsearch user's role covers the record indexes and the near-duplicate
    lookup, by the names the code gives them."""
    from dedup.elastic_lookup import lookup_index_name
    from indexing.elastic_mapping import version_pattern

    script = (DEPLOY / "es-setup.sh").read_text(encoding="utf-8")
    (names,) = re.findall(r'"names": \[([^\]]*)\]', script)
    granted = {name.strip().strip('"') for name in names.split(",")}
    alias = "${SOHOA_ES_ALIAS}"
    assert {alias, version_pattern(alias), lookup_index_name(alias)} <= granted
