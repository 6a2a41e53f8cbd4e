"""The production stack on loopback: nginx → two gunicorn instances → PostgreSQL + Redis (issue 16).

    python -m bench.cluster postgresql+psycopg://postgres@127.0.0.1:55432/registry   # serves until Ctrl-C

nginx and gunicorn are started here on free loopback ports, with the site of deploy/nginx/registry.conf reduced to
plain HTTP; Redis is started too unless ``--redis-url`` names one. The database must exist and be migrated
(``flask --app wsgi registry setup``). The cluster test (tests/test_cluster.py) and bench/load.py use ``Cluster``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 20m;
    upstream registry_app {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://registry_app;
            proxy_next_upstream error timeout http_502;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
        }}
        error_page 502 504 /erreur/indisponible.html;
        location ^~ /erreur/ {{
            root {deploy};
            internal;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status < 500:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.2)


def binary(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)


def postgres_bin() -> Path | None:
    """The directory of Debian's newest PostgreSQL server programs (initdb, pg_ctl), if installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class Postgres:
    """A PostgreSQL server of its own in a temporary directory, on a free loopback port: the fault runs stop and
    start it under the app servers without touching any other database. As root it runs as ``postgres``."""

    def __init__(self):
        self.bin = postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="registry-pg-"))
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> Postgres:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")
        return self.up()

    def up(self) -> Postgres:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w", "-o", options,
                  "start")  # fmt: skip
        return self

    def down(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def setup_registry(database_url: str) -> dict[str, tuple[str, str]]:
    """Migrate ``database_url``, load the reference and demo data, install amcheck (the integrity checks read it);
    returns the demo accounts {role: (e-mail, password)} that ``registry setup`` printed."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": database_url,
    }
    flask = str(Path(sys.executable).parent / "flask")
    done = subprocess.run([flask, "--app", "wsgi", "registry", "setup", "--demo"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    accounts = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and "@" in parts[1]:
            accounts[parts[0]] = (parts[1], parts[2])
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    engine.dispose()
    return accounts


def check_integrity(database_url: str) -> tuple[bool, str]:
    """``flask registry verifier-integrite`` on ``database_url``: (passed, what it printed)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        "REGISTRY_DATABASE_URL": database_url,
    }
    flask = str(Path(sys.executable).parent / "flask")
    done = subprocess.run([flask, "--app", "wsgi", "registry", "verifier-integrite"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    return done.returncode == 0, (done.stdout + done.stderr).strip()


class Cluster:
    """nginx on ``url`` in front of ``instances`` gunicorn app servers, sharing ``database_url`` and Redis."""

    def __init__(self, database_url: str, redis_url: str | None = None, instances: int = 2, workers: int = 2):
        self.database_url, self.redis_url = database_url, redis_url
        self.dir = Path(tempfile.mkdtemp(prefix="registry-cluster-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_ports = [free_port() for _ in range(instances)]
        self.workers = workers
        self.apps: list[subprocess.Popen | None] = [None] * instances
        self.redis: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.outbox = self.dir / "outbox"

    def app_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[index]}"

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update(
            REGISTRY_ENV="production",
            REGISTRY_SECRET_KEY="cluster-test-secret-key-" + "x" * 40,
            REGISTRY_DATABASE_URL=self.database_url,
            REGISTRY_REDIS_URL=self.redis_url,
            REGISTRY_BASE_URL=self.url,
            REGISTRY_TRUSTED_PROXIES="1",
            REGISTRY_MAIL_BACKEND="file",
            REGISTRY_MAIL_OUTBOX=str(self.outbox),
        )
        return env

    def start(self) -> Cluster:
        if self.redis_url is None:
            port = free_port()
            self.redis = subprocess.Popen(
                [
                    binary("redis-server"),
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--dir",
                    str(self.dir),
                ],
                stdout=subprocess.DEVNULL,
            )
            self.redis_url = f"redis://127.0.0.1:{port}/0"
        for index in range(len(self.apps)):
            self.start_app(index)
        for index in range(len(self.apps)):
            wait_for(self.app_url(index) + "/sante", 60)
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in self.app_ports)
        (self.dir / "nginx.conf").write_text(
            NGINX_CONF.format(dir=self.dir, servers=servers, port=self.port, deploy=ROOT / "deploy" / "nginx")
        )
        self.nginx = subprocess.Popen(
            [binary("nginx"), "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir), "-g", "daemon off;"],
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.url + "/sante")
        return self

    def start_app(self, index: int) -> None:
        log = open(self.dir / f"app{index}.log", "ab")  # noqa: SIM115 (kept for the process's life)
        self.apps[index] = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.app_ports[index]}",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=log,
        )

    def wait_for_app(self, index: int) -> None:
        wait_for(self.app_url(index) + "/sante", 60)

    def kill_app(self, index: int) -> None:
        process = self.apps[index]
        if process is not None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.apps[index] = None

    def reload_nginx(self) -> None:
        self.nginx.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        for process in [self.nginx, *self.apps, self.redis]:
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    with Cluster(args.database_url, args.redis_url) as cluster:
        servers = ", ".join(map(cluster.app_url, range(2)))
        print(f"nginx: {cluster.url}  app servers: {servers}  Redis: {cluster.redis_url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
