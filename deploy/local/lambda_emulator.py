#!/usr/bin/env python3
"""The Lambda function as AWS runs it, on one machine: an API Gateway HTTP API (payload
format 2.0) in front of the Lambda Runtime API, with the unmodified `bootstrap` binary as the
one instance behind them.

    python3 deploy/local/lambda_emulator.py --binary target/lambda/bootstrap \\
        --env APPLICATIONS_TABLE=… --env APPLICANTS_TABLE=… --env DYNAMODB_ENDPOINT=… \\
        [--route "POST /api/applications" …] [--at 2020-12-01T12:00:00+06:00]

It prints `API_ENDPOINT=http://127.0.0.1:<port>` and `RUNTIME_API=127.0.0.1:<port>`, then
`READY` once the binary has finished its init (its first GET …/invocation/next), and runs
until SIGINT or SIGTERM.

A scheduled function (an EventBridge rule's target, such as the notifier) has no API:

    python3 deploy/local/lambda_emulator.py --binary build-notifier/bootstrap \
        --schedule "rate(1 minute)" [--every 5] --env …

invokes it with an EventBridge "Scheduled Event" (detail-type "Scheduled Event", source
"aws.events", the rule's ARN in resources) once every period of the rate expression, or every
`--every` seconds, the first one period after the start as EventBridge does. It prints
`RUNTIME_API=` and `READY`, no API_ENDPOINT. Scheduled invocations are asynchronous: nobody
waits for the answer, and with one instance (reserved concurrency 1) a tick that comes while
the last run is still going is skipped and logged, as a throttled run is.

What it does as AWS does, from the documentation (Lambda "Using the Lambda runtime API for
custom runtimes", API Gateway "Create AWS Lambda proxy integrations for HTTP APIs"):
- the binary gets the environment a provided.al2023 function gets, and nothing of ours;
- one invocation at a time per instance: requests that arrive meanwhile wait their turn;
- each request becomes a 2.0 event: lower-case headers with repeats joined by commas,
  cookies apart, query parameters joined by commas, and a body that is base64-encoded
  unless its type is text (text/*, application/json, application/xml, application/javascript:
  a form post, application/x-www-form-urlencoded, arrives base64-encoded);
- a route that is not declared is 404 without invoking the function;
- a function error, a crash, a timeout or a malformed response is 500
  `{"message":"Internal Server Error"}` (HTTP APIs answer 500 where REST APIs answer 502);
  a crashed or timed-out instance is replaced, and the next request meets a new cold start.

Standard library only, so that it runs wherever Python 3.11 does. It logs one line per
invocation (request id, route or event, status, duration), never a body. GET /_emulator/stats
on the API port (and on the Runtime API's, which a scheduled function's test reads) answers the
timings of every instance so far as JSON: `init_ms` (process start to its first /next) and
`first_invocation_ms`, and its `invocations`.

`--at` runs the binary with its clock moved to that moment (libfaketime, from Debian's
`faketime` package), for rehearsing inside an application window that is in the past; the
binary itself is the one that ships, and reads the system clock as it does in AWS.
"""

from __future__ import annotations

import argparse
import base64
import glob
import http.server
import itertools
import json
import os
import queue
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

RUNTIME_PREFIX = "/2018-06-01/runtime"
# Lambda's limit on a synchronous invocation's event and response.
MAX_PAYLOAD = 6 * 1024 * 1024
# API Gateway's limit on a request body.
MAX_REQUEST_BODY = 10 * 1024 * 1024
TEXT_TYPES = ("application/json", "application/xml", "application/javascript")
INTERNAL_ERROR = (500, {"message": "Internal Server Error"})


def log(message: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    print(f"{stamp} emulator: {message}", file=sys.stderr, flush=True)


@dataclass
class Invocation:
    """One request on its way through the function."""

    request_id: str
    event: bytes
    route: str
    received: float = field(default_factory=time.monotonic)
    dispatched: float | None = None
    deadline: float | None = None
    instance: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    # (status, headers as (name, value) pairs, body) once answered.
    reply: tuple[int, list[tuple[str, str]], bytes] | None = None
    outcome: str = ""

    def finish(self, reply: tuple[int, list[tuple[str, str]], bytes], outcome: str) -> bool:
        """Answers once; later answers (a late response after a timeout) are ignored."""
        if self.done.is_set():
            return False
        self.reply, self.outcome = reply, outcome
        self.done.set()
        return True


@dataclass
class Instance:
    """One execution environment: one process of the binary, from its start to its exit."""

    number: int
    process: subprocess.Popen
    started: float
    started_wall: str
    init_ms: float | None = None
    first_invocation_ms: float | None = None
    invocations: int = 0
    exit_code: int | None = None
    init_error: str | None = None

    def stats(self) -> dict:
        return {
            "instance": self.number,
            "pid": self.process.pid,
            "started_at": self.started_wall,
            "init_ms": self.init_ms,
            "first_invocation_ms": self.first_invocation_ms,
            "invocations": self.invocations,
            "exit_code": self.exit_code,
            "init_error": self.init_error,
        }


def json_reply(status: int, payload: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("content-type", "application/json")], json.dumps(payload).encode()


class Function:
    """The function's single instance, its queue of invocations and the Runtime API's state."""

    def __init__(self, args: argparse.Namespace, runtime_address: str):
        self.args = args
        self.runtime_address = runtime_address
        self.pending: queue.Queue[Invocation] = queue.Queue()
        self.lock = threading.Lock()
        self.instance: Instance | None = None
        self.instances: list[Instance] = []
        # The invocation the instance is working on, if any.
        self.current: Invocation | None = None
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.numbers = itertools.count(1)
        self.failed_inits = 0

    # The instance's life.

    def environment(self) -> dict[str, str]:
        a = self.args
        task_root = os.path.dirname(os.path.abspath(a.binary))
        env = {
            "AWS_LAMBDA_RUNTIME_API": self.runtime_address,
            "AWS_LAMBDA_FUNCTION_NAME": a.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(a.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{a.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": datetime.now(timezone.utc).strftime("%Y/%m/%d/[$LATEST]")
            + secrets.token_hex(16),
            "AWS_REGION": a.region,
            "AWS_DEFAULT_REGION": a.region,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": task_root,
            "_HANDLER": a.handler,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        }
        for pair in a.env:
            name, _, value = pair.partition("=")
            env[name] = value
        if a.at:
            env.update(faketime_environment(a.at))
        return env

    def start_instance(self) -> None:
        number = next(self.numbers)
        environment = self.environment()
        # Held until the instance is recorded, so that its first /next finds it.
        with self.lock:
            started_wall = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
            started = time.monotonic()
            process = subprocess.Popen(
                [os.path.abspath(self.args.binary)],
                env=environment,
                cwd=os.path.dirname(os.path.abspath(self.args.binary)),
                stdin=subprocess.DEVNULL,
                # Its log lines go where ours go; the function itself never logs a body.
                stdout=sys.stderr,
                stderr=sys.stderr,
            )
            instance = Instance(number, process, started, started_wall)
            self.instance = instance
            self.instances.append(instance)
        log(f"instance {number} started (pid {process.pid})")
        threading.Thread(target=self.watch, args=(instance,), daemon=True).start()

    def watch(self, instance: Instance) -> None:
        """Waits for the instance's exit, fails what it was doing, and starts a new one."""
        instance.exit_code = instance.process.wait()
        if self.stopping.is_set():
            return
        with self.lock:
            failed = self.current if self.current and self.current.instance == instance.number else None
            if failed:
                self.current = None
        log(f"instance {instance.number} exited with {instance.exit_code}"
            + (f" during invocation {failed.request_id}" if failed else ""))
        if failed:
            failed.finish(json_reply(*INTERNAL_ERROR), "Runtime.ExitError")
        elif instance.init_ms is None:
            # It died in its init: Lambda fails the invocation that was waiting for it.
            self.failed_inits += 1
            try:
                waiting = self.pending.get_nowait()
                waiting.finish(json_reply(*INTERNAL_ERROR), "Runtime.InitError")
            except queue.Empty:
                pass
        # A binary that cannot start is retried, more slowly each time.
        time.sleep(min(5.0, 0.2 * (2 ** min(self.failed_inits, 5))) if instance.init_ms is None else 0)
        if not self.stopping.is_set():
            self.start_instance()

    def watch_deadlines(self) -> None:
        """An invocation past the function's timeout ends its instance, as Lambda does."""
        while not self.stopping.wait(0.05):
            with self.lock:
                late = self.current
                instance = self.instance
            if late and late.deadline and time.monotonic() > late.deadline and instance:
                log(f"invocation {late.request_id} timed out after {self.args.timeout} s; ending instance {instance.number}")
                late.finish(json_reply(*INTERNAL_ERROR), "Sandbox.Timedout")
                if instance.process.poll() is None:
                    instance.process.kill()

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            instance = self.instance
        if instance and instance.process.poll() is None:
            instance.process.terminate()
            try:
                instance.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait()

    # The Runtime API.

    def next_invocation(self, connection: socket.socket) -> Invocation | None:
        """Blocks until there is an invocation for the current instance; None when the
        instance is gone (its process exited or the emulator stops)."""
        with self.lock:
            instance = self.instance
        if instance is None:
            return None
        if instance.init_ms is None:
            instance.init_ms = (time.monotonic() - instance.started) * 1000
            self.failed_inits = 0
            log(f"instance {instance.number} ready: init {instance.init_ms:.1f} ms")
            self.ready.set()
        while not self.stopping.is_set():
            if instance.process.poll() is not None or connection_closed(connection):
                return None
            try:
                invocation = self.pending.get(timeout=0.05)
            except queue.Empty:
                continue
            if invocation.done.is_set():
                continue
            now = time.monotonic()
            invocation.dispatched = now
            invocation.deadline = now + self.args.timeout
            invocation.instance = instance.number
            with self.lock:
                self.current = invocation
            instance.invocations += 1
            return invocation
        return None

    def respond(self, request_id: str, reply: tuple[int, list[tuple[str, str]], bytes], outcome: str) -> bool:
        with self.lock:
            invocation = self.current
            if invocation is None or invocation.request_id != request_id:
                return False
            self.current = None
            instance = self.instance
        if instance and instance.first_invocation_ms is None and invocation.dispatched is not None:
            instance.first_invocation_ms = (time.monotonic() - invocation.dispatched) * 1000
        invocation.finish(reply, outcome)
        return True

    def stats(self) -> dict:
        with self.lock:
            instances = [instance.stats() for instance in self.instances]
        return {
            "function": self.args.function_name,
            "instances": instances,
            "queued": self.pending.qsize(),
        }


def connection_closed(connection: socket.socket) -> bool:
    """Whether the runtime hung up on its long poll (a peek that reads end of stream)."""
    try:
        connection.setblocking(False)
        try:
            return connection.recv(1, socket.MSG_PEEK) == b""
        finally:
            connection.setblocking(True)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True


def faketime_environment(at: str) -> dict[str, str]:
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise SystemExit(f"--at {at}: give an offset, e.g. 2020-12-01T12:00:00+06:00")
    libraries = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1") + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
    if not libraries:
        raise SystemExit("--at needs libfaketime: apt-get install faketime")
    utc = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "LD_PRELOAD": libraries[0],
        # "@" starts the clock at that moment and lets it run; timers stay on the real clock.
        "FAKETIME": f"@{utc}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_DONT_RESET": "1",
        "TZ": "UTC",
    }


# HTTP plumbing shared by both servers.


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    function: Function

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # one line per invocation is written elsewhere; no access log

    def read_body(self, limit: int) -> bytes | None:
        """The request's body (by Content-Length or chunked); None when over `limit`."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if total <= limit:
                    chunks.append(chunk)
            return b"".join(chunks) if total <= limit else None
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            self.rfile.read(length)
            return None
        return self.rfile.read(length) if length else b""

    def send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class RuntimeApi(Handler):
    """What the binary talks to: the documented Runtime API, version 2018-06-01."""

    def do_GET(self) -> None:
        if self.path == "/_emulator/stats":
            self.send(200, [("content-type", "application/json")], json.dumps(self.function.stats(), indent=2).encode())
            return
        if self.path != f"{RUNTIME_PREFIX}/invocation/next":
            self.send(*json_reply(404, {"errorType": "NotFound", "errorMessage": self.path}))
            return
        invocation = self.function.next_invocation(self.connection)
        if invocation is None:
            # The instance is gone; nobody reads this answer.
            self.close_connection = True
            return
        args = self.function.args
        deadline_ms = int(time.time() * 1000 + args.timeout * 1000)
        arn = f"arn:aws:lambda:{args.region}:123456789012:function:{args.function_name}"
        trace = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"
        self.send(200, [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", arn),
            ("Lambda-Runtime-Trace-Id", trace),
        ], invocation.event)

    def do_POST(self) -> None:
        body = self.read_body(MAX_PAYLOAD)
        if self.path == f"{RUNTIME_PREFIX}/init/error":
            error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "Runtime.Unknown")
            with self.function.lock:
                instance = self.function.instance
            if instance:
                instance.init_error = error_type
            log(f"init error reported: {error_type}")
            self.send(*json_reply(202, {"status": "OK"}))
            return
        match = re.fullmatch(rf"{RUNTIME_PREFIX}/invocation/([^/]+)/(response|error)", self.path)
        if not match:
            self.send(*json_reply(404, {"errorType": "NotFound", "errorMessage": self.path}))
            return
        request_id, kind = match.groups()
        if kind == "error":
            error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "Unhandled")
            answered = self.function.respond(request_id, json_reply(*INTERNAL_ERROR), f"function error {error_type}")
        elif body is None:
            answered = self.function.respond(request_id, json_reply(*INTERNAL_ERROR), "Function.ResponseSizeTooLarge")
            if answered:
                self.send(*json_reply(413, {"errorType": "RequestEntityTooLarge", "errorMessage": "response over 6 MB"}))
                return
        elif self.function.args.schedule:
            # Nobody reads a scheduled run's answer; it is kept as it came.
            answered = self.function.respond(request_id, (200, [("content-type", "application/json")], body), "ok")
        else:
            reply, outcome = http_response(body)
            answered = self.function.respond(request_id, reply, outcome)
        if answered:
            self.send(*json_reply(202, {"status": "OK"}))
        else:
            self.send(*json_reply(400, {"errorType": "InvalidRequestID", "errorMessage": f"no invocation {request_id} is under way"}))


def http_response(output: bytes) -> tuple[tuple[int, list[tuple[str, str]], bytes], str]:
    """The function's output as API Gateway turns it into an HTTP response (payload 2.0)."""
    try:
        value = json.loads(output)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return json_reply(*INTERNAL_ERROR), "malformed response (not JSON)"
    if not isinstance(value, dict) or "statusCode" not in value:
        # Valid JSON without a statusCode is taken as the body of a 200.
        return (200, [("content-type", "application/json")], output), "ok"
    try:
        status = int(value["statusCode"])
        if not 100 <= status <= 599:
            raise ValueError(status)
        headers: list[tuple[str, str]] = []
        single = value.get("headers") or {}
        for name, values in (value.get("multiValueHeaders") or {}).items():
            if name.lower() not in {key.lower() for key in single}:
                headers += [(name, str(v)) for v in values]
        for name, v in single.items():
            headers += [(name, str(item)) for item in v] if isinstance(v, list) else [(name, str(v))]
        headers += [("set-cookie", str(cookie)) for cookie in value.get("cookies") or []]
        body = value.get("body")
        if body is None:
            data = b""
        elif value.get("isBase64Encoded"):
            data = base64.b64decode(body, validate=True)
        else:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
    except (TypeError, ValueError, AttributeError):
        return json_reply(*INTERNAL_ERROR), "malformed response"
    return (status, headers, data), "ok"


@dataclass(frozen=True)
class Route:
    method: str  # or ANY
    path: str  # /api/applications, /items/{id}, /files/{proxy+}, or $default
    pattern: re.Pattern | None

    @staticmethod
    def parse(text: str) -> Route:
        if text == "$default":
            return Route("ANY", "$default", None)
        method, _, path = text.partition(" ")
        regex = ""
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{") and part.endswith("+}"):
                regex += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        return Route(method.upper(), path, re.compile(regex))

    @property
    def key(self) -> str:
        return "$default" if self.pattern is None else f"{self.method} {self.path}"

    def specificity(self) -> tuple:
        # Exact paths before parameters, parameters before greedy ones; a method before ANY.
        greedy = "+}" in self.path
        params = self.path.count("{")
        return (self.pattern is None, greedy, params, -len(self.path), self.method == "ANY")


def find_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in sorted(routes, key=Route.specificity):
        if route.pattern is None:
            return route, {}
        if route.method not in ("ANY", method):
            continue
        match = route.pattern.fullmatch(path)
        if match:
            return route, match.groupdict()
    return None


class ApiGateway(Handler):
    """What browsers (or the front door) talk to: an HTTP API's stage with Lambda proxy
    integrations of payload format 2.0."""

    routes: list[Route]
    api_port: int

    def handle_any(self) -> None:
        if self.path == "/_emulator/stats" and self.command == "GET":
            self.send(200, [("content-type", "application/json")], json.dumps(self.function.stats(), indent=2).encode())
            return
        body = self.read_body(MAX_REQUEST_BODY)
        api_request_id = base64.b64encode(secrets.token_bytes(12)).decode().rstrip("=")[:14] + "="
        common = [("apigw-requestid", api_request_id)]
        if body is None:
            self.send(*add(json_reply(413, {"message": "Request Entity Too Large"}), common))
            return
        target = urlsplit(self.path)
        found = find_route(self.routes, self.command, target.path)
        if found is None:
            self.send(*add(json_reply(404, {"message": "Not Found"}), common))
            return
        route, path_parameters = found
        event = self.event(route, path_parameters, target.path, target.query, body, api_request_id)
        if len(event) > MAX_PAYLOAD:
            self.send(*add(json_reply(413, {"message": "Request Entity Too Large"}), common))
            return
        invocation = Invocation(str(uuid.uuid4()), event, route.key)
        self.function.pending.put(invocation)
        # API Gateway gives up after 30 s at most; the function's own timeout comes first.
        if not invocation.done.wait(timeout=30):
            invocation.finish(json_reply(503, {"message": "Service Unavailable"}), "integration timeout")
        status, headers, data = invocation.reply
        elapsed = (time.monotonic() - invocation.dispatched) * 1000 if invocation.dispatched else 0.0
        waited = ((invocation.dispatched or time.monotonic()) - invocation.received) * 1000
        log(f"request {invocation.request_id} {route.key!r} status {status} duration {elapsed:.1f} ms"
            f" (queued {waited:.1f} ms, instance {invocation.instance}, {invocation.outcome})")
        self.send(status, headers + common, data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = handle_any

    def event(self, route: Route, path_parameters: dict[str, str], path: str, query: str, body: bytes,
              api_request_id: str) -> bytes:
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in self.headers.items():
            name = name.lower()
            if name == "cookie":
                cookies += [c.strip() for c in value.split(";") if c.strip()]
            elif name not in ("connection", "transfer-encoding", "keep-alive"):
                headers[name] = f"{headers[name]},{value}" if name in headers else value
        client = self.client_address[0]
        headers["x-forwarded-for"] = f"{headers['x-forwarded-for']}, {client}" if "x-forwarded-for" in headers else client
        headers["x-forwarded-port"] = str(self.api_port)
        headers["x-forwarded-proto"] = "http"
        headers["x-amzn-trace-id"] = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
        if body:
            headers["content-length"] = str(len(body))
        domain = headers.get("host", f"127.0.0.1:{self.api_port}").split(":")[0]
        now = datetime.now(timezone.utc)
        event: dict = {
            "version": "2.0",
            "routeKey": route.key,
            "rawPath": path,
            "rawQueryString": query,
        }
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers
        if query:
            parameters: dict[str, str] = {}
            for name, value in parse_qsl(query, keep_blank_values=True):
                parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
            event["queryStringParameters"] = parameters
        if path_parameters:
            event["pathParameters"] = path_parameters
        event["requestContext"] = {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": self.command,
                "path": path,
                "protocol": self.request_version,
                "sourceIp": client,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": api_request_id,
            "routeKey": route.key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        }
        if body:
            text = is_text(headers.get("content-type", ""))
            try:
                event["body"] = body.decode("utf-8") if text else base64.b64encode(body).decode()
            except UnicodeDecodeError:
                text = False
                event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = not text
        else:
            event["isBase64Encoded"] = False
        return json.dumps(event, ensure_ascii=False).encode()


def is_text(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media.startswith("text/") or media in TEXT_TYPES


def add(reply: tuple[int, list[tuple[str, str]], bytes], headers: list[tuple[str, str]]):
    status, own, body = reply
    return status, own + headers, body


RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
SECONDS_PER = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float:
    """The period of an EventBridge rate expression, `rate(1 minute)`, `rate(5 minutes)`."""
    match = RATE.fullmatch(expression.strip())
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{expression!r} is not a rate expression such as rate(1 minute) "
                         "(cron expressions are not emulated: give --every SECONDS)")
    return int(match.group(1)) * SECONDS_PER[match.group(2).rstrip("s")]


def scheduled_event(args: argparse.Namespace, clock_offset: float) -> bytes:
    """What EventBridge sends a rule's Lambda target on each tick."""
    now = datetime.fromtimestamp(time.time() + clock_offset, timezone.utc)
    return json.dumps({
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": args.region,
        "resources": [f"arn:aws:events:{args.region}:123456789012:rule/{args.function_name}Schedule"],
        "detail": {},
    }).encode()


def run_schedule(function: Function, every: float, stop: threading.Event) -> None:
    """Invokes the function every `every` seconds until `stop`, one run at a time."""
    args = function.args
    # The event's time follows the binary's clock, which --at moves.
    offset = 0.0
    if args.at:
        offset = datetime.fromisoformat(args.at.replace("Z", "+00:00")).timestamp() - time.time()
    started = time.monotonic()
    tick = 1
    while not stop.wait(max(0.0, started + tick * every - time.monotonic())):
        invocation = Invocation(str(uuid.uuid4()), scheduled_event(args, offset), "Scheduled Event")
        function.pending.put(invocation)
        # Init, the run and a replaced instance's start, at most.
        while not invocation.done.wait(0.1):
            if stop.is_set():
                return
            if time.monotonic() - invocation.received > args.timeout + 60:
                invocation.finish(json_reply(*INTERNAL_ERROR), "never started")
        elapsed = (time.monotonic() - invocation.dispatched) * 1000 if invocation.dispatched else 0.0
        log(f"invocation {invocation.request_id} 'Scheduled Event' {invocation.outcome} duration {elapsed:.1f} ms"
            f" (instance {invocation.instance})")
        # Ticks that came while it ran are skipped, as reserved concurrency 1 throttles them.
        due = int((time.monotonic() - started) // every) + 1
        if due > tick + 1:
            log(f"{due - tick - 1} scheduled tick(s) skipped: the last run was still going")
        tick = max(tick + 1, due)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        # A client that hung up while it waited is a line, not a traceback.
        error = sys.exc_info()[1]
        log(f"connection from {client_address[0]}:{client_address[1]} ended: {type(error).__name__}: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the Lambda's bootstrap executable")
    parser.add_argument("--api-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--runtime-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--route", action="append", default=[],
                        help='"METHOD /path" as the HTTP API declares it (repeat); none: $default')
    parser.add_argument("--schedule", metavar="RATE",
                        help='a scheduled function, no API: "rate(1 minute)" as its EventBridge rule says')
    parser.add_argument("--every", type=float, metavar="SECONDS",
                        help="a scheduled function invoked this often (overrides --schedule's rate)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="the function's own environment variables (repeat)")
    parser.add_argument("--function-name", default="IntakeFunction")
    parser.add_argument("--memory", type=int, default=256, help="MB, as AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    parser.add_argument("--timeout", type=float, default=10, help="seconds an invocation may take")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "eu-central-1"))
    parser.add_argument("--handler", default="bootstrap")
    parser.add_argument("--at", help="RFC 3339: the moment the binary's clock starts at (libfaketime)")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        parser.error(f"{args.binary} is not an executable: build it with "
                     "cargo build --profile lambda -p intake --features lambda --bin bootstrap")
    bad = [pair for pair in args.env if "=" not in pair]
    if bad:
        parser.error(f"--env takes NAME=VALUE, not {bad[0]!r}")
    if args.at:
        faketime_environment(args.at)  # fails early on a bad moment or a missing library
    every = None
    if args.schedule or args.every is not None:
        if args.route:
            parser.error("a scheduled function has no API: --route goes with neither --schedule nor --every")
        try:
            every = args.every if args.every is not None else rate_seconds(args.schedule)
        except ValueError as error:
            parser.error(str(error))
        if every <= 0:
            parser.error("--every takes a number of seconds above 0")
        args.schedule = args.schedule or f"every {every:g} s"

    runtime = Server(("127.0.0.1", args.runtime_port), RuntimeApi)
    api = None if every else Server(("127.0.0.1", args.api_port), ApiGateway)
    function = Function(args, f"127.0.0.1:{runtime.server_address[1]}")
    Handler.function = function
    servers = [runtime] + ([api] if api else [])
    if api:
        ApiGateway.routes = [Route.parse(text) for text in args.route] or [Route.parse("$default")]
        ApiGateway.api_port = api.server_address[1]

    stop = threading.Event()
    # The handler only notes the signal. Setting the Event there could deadlock: the handler
    # runs in the main thread, which may be inside stop.wait() holding the Event's lock, and
    # Event.set() takes that lock again (a scheduled emulator once hung on SIGTERM that way).
    signalled = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: signalled.append(True))
    threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
               for server in servers]
    threads.append(threading.Thread(target=function.watch_deadlines, daemon=True))
    if every:
        threads.append(threading.Thread(target=run_schedule, args=(function, every, stop), daemon=True))
    for thread in threads:
        thread.start()

    if api:
        print(f"API_ENDPOINT=http://127.0.0.1:{api.server_address[1]}", flush=True)
    print(f"RUNTIME_API={function.runtime_address}", flush=True)
    trigger = (f"a Scheduled Event every {every:g} s ({args.schedule})" if every
               else f"routes: {', '.join(route.key for route in ApiGateway.routes)}")
    log(trigger + (f"; the binary's clock starts at {args.at}" if args.at else ""))
    function.start_instance()
    while not signalled:
        if function.ready.wait(0.1):
            print("READY", flush=True)
            break
    while not signalled:
        time.sleep(0.1)
    stop.set()
    log("stopping")
    function.stop()
    for server in reversed(servers):
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
