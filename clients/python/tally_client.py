"""A small client for the Tally API, on Python's standard library only.

    from tally_client import Client
    tally = Client("http://127.0.0.1:8080", token="...")       # or Client.login(url, email, pw)
    project = tally.create_project("reviews", {"fields": [
        {"name": "sentiment", "type": "choice", "options": ["pos", "neg"]}]})
    tally.import_tasks(project["id"], ({"text": t} for t in texts))   # any iterable, streamed
    for row in tally.export_rows(project["id"]):                       # streamed, one dict a task
        print(row["id"], row["annotations"])

Every call raises TallyError (with .status, .code, .message from the
server's {"error":{"code","message"}}) when the server refuses it. Nothing is
read into memory whole: imports are sent with chunked transfer encoding as
the iterable yields, exports are read as they arrive. One Client holds one
keep-alive connection and is not thread-safe: give each thread its own.

Endpoints that a server version may not have yet (tokens, webhooks, the
task list) raise TallyError with status 404 or 405 there.
"""
import http.client
import json
import os
import ssl
import urllib.parse

__all__ = ["Client", "TallyError"]

_CHUNK = 256 * 1024  # bytes per chunk of a streamed import and of a read


class TallyError(Exception):
    """A refused request: status (HTTP), code and message (the server's)."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Client:
    """One Tally server, called as one user (their bearer token)."""

    def __init__(self, base_url, token=None, timeout=60.0, ssl_context=None):
        url = urllib.parse.urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"base_url must be http(s)://host[:port], not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._scheme, self._host, self._port = url.scheme, url.hostname, url.port
        self._ssl = ssl_context
        self._conn = None

    @classmethod
    def login(cls, base_url, email, password, **kw):
        """A client signed in with an email and password (a 12-hour token)."""
        client = cls(base_url, **kw)
        client.token = client._json("POST", "/api/v1/auth/login",
                                    {"email": email, "password": password})["token"]
        return client

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ projects

    def create_project(self, name, schema, **settings):
        """A new project: settings are overlap, lease_seconds,
        max_leases_per_annotator, instructions, ... Returns {"id"}."""
        return self._json("POST", "/api/v1/projects", {"name": name, "schema": schema, **settings})

    def projects(self):
        """The projects the caller may see, with their counts."""
        return self._json("GET", "/api/v1/projects")["projects"]

    def project(self, project_id):
        """One project with its settings and counts."""
        return self._json("GET", f"/api/v1/projects/{_q(project_id)}")

    def update_project(self, project_id, **changes):
        """Change a project's settings (name, instructions, overlap, ...)."""
        return self._json("PATCH", f"/api/v1/projects/{_q(project_id)}", changes)

    def delete_project(self, project_id):
        """Delete a project with its tasks, labels and files (owner, admin)."""
        self._json("DELETE", f"/api/v1/projects/{_q(project_id)}")

    def convert_label_studio_config(self, xml):
        """A Tally schema from a Label Studio XML label config."""
        body = xml.encode() if isinstance(xml, str) else xml
        return self._json("POST", "/api/v1/schemas/convert", body=body,
                          content_type="application/xml")["schema"]

    # --------------------------------------------------------------- tasks

    def import_tasks(self, project_id, tasks, format=None):
        """Import tasks, all or nothing; returns how many were imported.

        tasks is an iterable of dicts (sent as JSON Lines as it yields; a
        dict may carry "predictions" and, in the wrapped form {"data": ...},
        "annotations"), or a path to a .jsonl/.ndjson, .json (an array, such
        as a Label Studio export) or .csv file, streamed from disk. format
        ("jsonl", "json", "csv") overrides the file's extension."""
        if isinstance(tasks, (str, bytes, os.PathLike)):
            path = os.fspath(tasks)
            fmt = format or _format_of(path)
            body = _file_chunks(path)
        else:
            fmt = format or "jsonl"
            if fmt != "jsonl":
                raise ValueError("an iterable of tasks is sent as jsonl")
            body = _jsonl_chunks(tasks)
        ctype = {"jsonl": "application/x-ndjson", "json": "application/json",
                 "csv": "text/csv"}.get(fmt)
        if ctype is None:
            raise ValueError(f"format must be jsonl, json or csv, not {fmt!r}")
        answer = self._json("POST", f"/api/v1/projects/{_q(project_id)}/tasks", body=body,
                            content_type=ctype)
        return answer["imported"]

    def tasks(self, project_id, state=None, page_size=100):
        """Every task of a project (optionally "open" or "complete"), page by
        page as the iteration goes (cursor pagination)."""
        cursor = None
        while True:
            query = {"limit": page_size}
            if state:
                query["state"] = state
            if cursor:
                query["cursor"] = cursor
            page = self._json("GET", f"/api/v1/projects/{_q(project_id)}/tasks?"
                              + urllib.parse.urlencode(query))
            yield from page["tasks"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def task(self, task_id):
        """One task with its annotations and predictions (staff)."""
        return self._json("GET", f"/api/v1/tasks/{_q(task_id)}")

    def upload_file(self, project_id, path, content_type):
        """Upload a media file (image, audio, video) for task data: {"id","url"}."""
        return self._json("POST", f"/api/v1/projects/{_q(project_id)}/files",
                          body=_file_chunks(path), content_type=content_type)

    # -------------------------------------------------------------- export

    def export(self, project_id, format="jsonl"):
        """The export's bytes, chunk by chunk as the server streams them."""
        resp = self._send("GET", f"/api/v1/projects/{_q(project_id)}/export?"
                          + urllib.parse.urlencode({"format": format}))
        try:
            _raise_for(resp)
            while True:
                chunk = resp.read(_CHUNK)
                if not chunk:
                    return
                yield chunk
        finally:
            resp.close()

    def export_rows(self, project_id):
        """The JSONL export as one dict per task, parsed line by line."""
        pending = b""
        for chunk in self.export(project_id, "jsonl"):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line:
                    yield json.loads(line)
        if pending.strip():
            yield json.loads(pending)

    def export_to_file(self, project_id, path, format="jsonl"):
        """Write an export to path (through a temporary file, renamed when
        complete); returns the bytes written."""
        tmp = f"{path}.part"
        n = 0
        try:
            with open(tmp, "wb") as f:
                for chunk in self.export(project_id, format):
                    f.write(chunk)
                    n += len(chunk)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return n

    # ------------------------------------------------------------ labeling

    def next(self, project_id):
        """A lease on the next task for the caller: {"task","lease"} (with the
        task's predictions), or None when nothing is left."""
        return self._json("POST", f"/api/v1/projects/{_q(project_id)}/next", {})

    def submit(self, task_id, lease_id, result):
        """Submit a label under a lease: {"id"} of the annotation."""
        return self._json("POST", f"/api/v1/tasks/{_q(task_id)}/annotations",
                          {"lease_id": lease_id, "result": result})

    def release(self, lease_id, reason=None):
        """Give a lease back (skip the task), with a reason for the manager."""
        body = {} if reason is None else {"reason": reason}
        return self._json("POST", f"/api/v1/leases/{_q(lease_id)}/release", body)

    # ------------------------------------------------------------- members

    def add_member(self, project_id, email, role="annotator"):
        return self._json("POST", f"/api/v1/projects/{_q(project_id)}/members",
                          {"email": email, "role": role})

    def members(self, project_id):
        """The project's members with their progress."""
        return self._json("GET", f"/api/v1/projects/{_q(project_id)}/members")["members"]

    def remove_member(self, project_id, user_id):
        self._json("DELETE", f"/api/v1/projects/{_q(project_id)}/members/{_q(user_id)}")

    # ------------------------------------------------------ people, tokens

    def me(self):
        return self._json("GET", "/api/v1/me")

    def create_token(self, name=None):
        """A new API token for the caller: {"id","token"} (shown this once)."""
        return self._json("POST", "/api/v1/tokens", {} if name is None else {"name": name})

    def tokens(self):
        return self._json("GET", "/api/v1/tokens")["tokens"]

    def revoke_token(self, token_id):
        self._json("DELETE", f"/api/v1/tokens/{_q(token_id)}")

    # ------------------------------------------------------------ webhooks

    def create_webhook(self, project_id, url, events):
        """{"id","secret"}: the secret signs each delivery (X-Tally-Signature)."""
        return self._json("POST", f"/api/v1/projects/{_q(project_id)}/webhooks",
                          {"url": url, "events": list(events)})

    def webhooks(self, project_id):
        return self._json("GET", f"/api/v1/projects/{_q(project_id)}/webhooks")["webhooks"]

    def delete_webhook(self, project_id, webhook_id):
        self._json("DELETE", f"/api/v1/projects/{_q(project_id)}/webhooks/{_q(webhook_id)}")

    # ------------------------------------------------------------ plumbing

    def _connection(self):
        if self._conn is None:
            if self._scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.timeout,
                    context=self._ssl or ssl.create_default_context())
            else:
                self._conn = http.client.HTTPConnection(self._host, self._port,
                                                        timeout=self.timeout)
        return self._conn

    def _send(self, method, path, body=None, content_type=None):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        is_stream = body is not None and not isinstance(body, (bytes, bytearray))
        if is_stream:
            headers["Transfer-Encoding"] = "chunked"
        # A kept-alive connection the server closed is retried once on a
        # new one, for bodies that can be sent again (not a consumed stream).
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers, encode_chunked=is_stream)
                return conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt or is_stream:
                    raise
            except BaseException:
                self.close()
                raise

    def _json(self, method, path, obj=None, body=None, content_type=None):
        if obj is not None:
            body, content_type = json.dumps(obj).encode(), "application/json"
        resp = self._send(method, path, body, content_type)
        try:
            _raise_for(resp)
            data = resp.read()
        finally:
            resp.close()
        if resp.status == 204 or not data:
            return None
        return json.loads(data)


def _raise_for(resp):
    if resp.status < 400:
        return
    data = resp.read()
    try:
        err = json.loads(data)["error"]
        code, message = err.get("code", ""), err.get("message", "")
    except (ValueError, KeyError, TypeError):
        code, message = "http", data.decode(errors="replace")[:500]
    raise TallyError(resp.status, code, message)


def _q(part):
    return urllib.parse.quote(str(part), safe="")


def _format_of(path):
    ext = os.path.splitext(path)[1].lower()
    fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}.get(ext)
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path!r}: pass format=")
    return fmt


def _file_chunks(path):
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                return
            yield chunk


def _jsonl_chunks(tasks):
    buf = []
    size = 0
    for task in tasks:
        line = json.dumps(task, ensure_ascii=False).encode() + b"\n"
        buf.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)
