#!/usr/bin/env python3
"""The Lambda's cold start, as Lambda runs it: the shipped `bootstrap` under the Runtime API
emulator (deploy/local/lambda_emulator.py), storing into DynamoDB Local.

    python3 tests/bench/lambda-cold-start.py [--runs 10] [--binary target/lambda/bootstrap …]

Each run starts a new instance of the binary and posts one valid application to it, and
prints two figures: init (the process's start to its first GET …/invocation/next; target:
under 30 ms) and the first invocation (the event handed over to the response received,
with the store's first connection and transaction in it). With several --binary, runs take
turns between them, so that the machine's ups and downs fall on all alike.

By default the binary's clock starts inside the application window (--at, through
libfaketime), so that the application is stored rather than refused as late;
--real-clock runs it on the machine's own clock (then the window is closed, the function
answers 403 and never reaches the store).

In AWS the function reaches DynamoDB over TLS, and its first handshake is where aws-lc seeds
its random generator (from CPU jitter unless built with AWS_LC_SYS_NO_JITTER_ENTROPY=1).
--tls puts nginx with a throwaway certificate authority (openssl) in front of DynamoDB Local,
so that the first invocation has that handshake in it too.

Needs what tests/setup.sh installs (DynamoDB Local, tests/.tools/venv, nginx) and Debian's
faketime.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV_PYTHON = os.path.join(REPO, "tests", ".tools", "venv", "bin", "python")
EMULATOR = os.path.join(REPO, "deploy", "local", "lambda_emulator.py")
DURING_INTAKE = "2020-12-01T12:00:00+06:00"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "eu-central-1"}


def application(form: dict) -> bytes:
    """A valid application built from content/form.toml, with a 600-word essay."""
    fields = {"lang": "ky", "submission_id": f"bench-{uuid.uuid4()}"}
    for section in form["section"]:
        for field in section.get("field", []):
            name, kind = field.get("name"), field["kind"]
            if not name or kind in ("fixed", "group"):
                continue
            fields[name] = {
                "yes-no": "yes",
                "confirm": "yes",
                "date": "1990-05-17",
                "phone": "0700 123456",
                "email": "asel@example.kg",
            }.get(kind, "Менин айылымда таза суу жок. " * 120 if field.get("max_words") else "Кара-Суу айылы")
    return json.dumps(fields, ensure_ascii=False).encode()


def post(endpoint: str, body: bytes) -> int:
    request = urllib.request.Request(f"{endpoint}/api/applications", data=body, method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Emulator:
    def __init__(self, binary: str, tables: dict[str, str], endpoint: str, at: str | None, ca: str | None):
        command = [sys.executable, EMULATOR, "--binary", binary, "--route", "POST /api/applications"]
        trust = {"SSL_CERT_FILE": ca} if ca else {}
        for name, value in {**tables, "DYNAMODB_ENDPOINT": endpoint, **CREDENTIALS, **trust}.items():
            command += ["--env", f"{name}={value}"]
        if at:
            command += ["--at", at]
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.endpoint = ""
        deadline = time.monotonic() + 30
        while True:
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = self.process.stdout.readline() if ready else None
            if line is None or line == "":
                self.stop()
                raise SystemExit(f"{binary} was not ready within 30 s; the emulator's log ends:\n{self.tail}")
            if line.startswith("API_ENDPOINT="):
                self.endpoint = line.strip().split("=", 1)[1]
            if line.strip() == "READY":
                break

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.endpoint}/_emulator/stats", timeout=5) as response:
            return json.load(response)["instances"][0]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.seek(0)
        self.tail = "".join(self.log.readlines()[-10:])
        self.log.close()


def running(pid: int) -> bool:
    """Whether any thread of the process still runs. A JVM shutting down shows its main thread
    as a zombie while others still hold its port, so a zombie counts only when it is alone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
    except (FileNotFoundError, ProcessLookupError):
        return False
    return not fields.get("State", "Z").strip().startswith("Z") or int(fields.get("Threads", "1")) > 1


def stop_process(pid: int) -> None:
    """Ends DynamoDB Local (not our child: tests/dynamodb-local.sh started it) and waits."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        if not running(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


class TlsFront:
    """nginx terminating TLS before DynamoDB Local, with a certificate for 127.0.0.1 from a
    certificate authority made for this run; the function trusts it through SSL_CERT_FILE."""

    def __init__(self, upstream: str):
        self.dir = tempfile.mkdtemp(prefix="mektep-bench-tls-")
        os.chmod(self.dir, 0o711)  # nginx's workers run as nobody when started as root
        path = lambda name: os.path.join(self.dir, name)  # noqa: E731
        quiet = {"check": True, "capture_output": True}
        # Valid from 2020 on for 20 years, so that the binary trusts it also when its clock is
        # in the application window: made with the clock moved back (faketime).
        openssl = ["faketime", "2020-01-01 00:00:00", "openssl"]
        subprocess.run([*openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "7300", "-subj", "/CN=rehearsal CA", "-keyout", path("ca.key"),
                        "-out", path("ca.pem")], **quiet)
        subprocess.run([*openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-subj", "/CN=127.0.0.1", "-keyout", path("leaf.key"), "-out", path("leaf.csr")], **quiet)
        with open(path("leaf.ext"), "w") as ext:
            ext.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        subprocess.run([*openssl, "x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey",
                        path("ca.key"), "-CAcreateserial", "-days", "7300", "-extfile", path("leaf.ext"),
                        "-out", path("leaf.pem")], **quiet)
        self.ca = path("ca.pem")
        port = free_port()
        with open(path("nginx.conf"), "w") as conf:
            conf.write(f"""worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi; uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {path("leaf.pem")};
        ssl_certificate_key {path("leaf.key")};
        location / {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
        }}
    }}
}}
""")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen([nginx, "-p", self.dir, "-c", path("nginx.conf"), "-e", "stderr",
                                         "-g", f"daemon off; pid {path('nginx.pid')};"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.endpoint = f"https://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("nginx did not start for --tls")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} ms   min {min(values):7.1f}   max {max(values):7.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--binary", action="append", help="default: target/lambda/bootstrap; repeat to compare")
    parser.add_argument("--real-clock", action="store_true", help="no libfaketime (the window is then closed)")
    parser.add_argument("--tls", action="store_true", help="reach DynamoDB Local over TLS, as in AWS")
    args = parser.parse_args()
    binaries = args.binary or [os.path.join(REPO, "target", "lambda", "bootstrap")]
    for binary in binaries:
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} is missing: cargo build --profile lambda -p intake --features lambda --bin bootstrap")
    at = None if args.real_clock else DURING_INTAKE
    expected = 403 if args.real_clock else 201
    with open(os.path.join(REPO, "content", "form.toml"), "rb") as file:
        form = tomllib.load(file)

    started = subprocess.run(["bash", os.path.join(REPO, "tests", "dynamodb-local.sh")], check=True,
                             capture_output=True, text=True).stdout
    local = dict(line.split("=", 1) for line in started.split())
    tls = None
    try:
        tls = TlsFront(local["DYNAMODB_ENDPOINT"]) if args.tls else None
        endpoint, ca = (tls.endpoint, tls.ca) if tls else (local["DYNAMODB_ENDPOINT"], None)
        env = {**os.environ, **CREDENTIALS}
        created = subprocess.run([VENV_PYTHON, os.path.join(REPO, "deploy", "local", "create_tables.py"),
                                  "--endpoint", local["DYNAMODB_ENDPOINT"]],
                                 check=True, capture_output=True, text=True, env=env).stdout
        tables = dict(line.split("=", 1) for line in created.split())

        # DynamoDB Local is a JVM: its first transactions are slow whoever sends them. Warm it
        # with a few applications first, so that the runs measure the function.
        warm = Emulator(binaries[0], tables, endpoint, at, ca)
        for _ in range(5):
            post(warm.endpoint, application(form))
        warm.stop()

        results: dict[str, list[tuple[float, float]]] = {binary: [] for binary in binaries}
        for run in range(args.runs):
            for binary in binaries:
                emulator = Emulator(binary, tables, endpoint, at, ca)
                try:
                    status = post(emulator.endpoint, application(form))
                    stats = emulator.stats()
                finally:
                    emulator.stop()
                if status != expected:
                    raise SystemExit(f"run {run + 1}: the application was answered {status}, not {expected}")
                results[binary].append((stats["init_ms"], stats["first_invocation_ms"]))
                time.sleep(0.2)
    finally:
        if tls:
            tls.stop()
        stop_process(int(local["DYNAMODB_PID"]))

    clock = "the machine's clock (window closed: 403, no store)" if args.real_clock else f"clock from {at} (libfaketime)"
    store = "DynamoDB Local over TLS (nginx)" if args.tls else "DynamoDB Local over plain HTTP"
    print(f"Lambda cold start under the Runtime API emulator, {store}, {args.runs} runs, {clock}:")
    for binary, values in results.items():
        size = os.path.getsize(binary) / 1e6
        shown = os.path.relpath(binary, REPO) if os.path.abspath(binary).startswith(REPO + os.sep) else binary
        print(f"{shown} ({size:.1f} MB)")
        print(f"  init (start → first /next):  {summary([init for init, _ in values])}   (target: under 30 ms)")
        print(f"  first invocation:            {summary([first for _, first in values])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
