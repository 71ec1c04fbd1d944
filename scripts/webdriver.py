"""webdriver.py — a minimal W3C WebDriver client over plain HTTP (urllib + json, nothing else),
enough to drive headless Chromium through chromedriver: navigate, find, click, type, press keys,
drag with the mouse, run JavaScript, take screenshots.

    with Chromedriver() as driver, driver.session(window=(1400, 1000)) as s:
        s.get("http://127.0.0.1:8080/#/")
        s.wait_js("return document.querySelector('.catalogue') != null")
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
KEYS = {"ArrowRight": "\ue014", "ArrowLeft": "\ue012", "Enter": "\ue007", "Tab": "\ue004", "Escape": "\ue00c"}


class WebDriverError(Exception):
    pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _call(base, method, path, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            payload = json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as e:
        payload = json.loads(e.read() or b"{}")
        v = payload.get("value") or {}
        raise WebDriverError(f"{method} {path}: {v.get('error')}: {str(v.get('message'))[:400]}") from None
    return payload.get("value")


class Chromedriver:
    """Starts chromedriver on a free port; stops it on exit."""

    def __init__(self, driver=None, chromium=None):
        self.driver = driver or os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
        self.chromium = chromium or os.environ.get("CHROMIUM") or shutil.which("chromium")
        if not self.driver:
            raise WebDriverError("no chromedriver (apt-get install chromium-driver)")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.profiles = []

    def __enter__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="chromedriver-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([self.driver, f"--port={self.port}"], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if (_call(self.base, "GET", "/status", timeout=2) or {}).get("ready"):
                    return self
            except (OSError, WebDriverError):
                pass
            time.sleep(0.1)
        raise WebDriverError("chromedriver did not start")

    def __exit__(self, *exc):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for p in self.profiles:
            shutil.rmtree(p, ignore_errors=True)

    def session(self, window=(1400, 1000), lang="en-US", extra_args=(), mobile=None):
        """mobile=(width, height): emulate a phone screen of that size (a desktop window is at least 500 px wide)."""
        profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.profiles.append(profile)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                f"--window-size={window[0]},{window[1]}", f"--user-data-dir={profile}", f"--lang={lang}",
                "--no-first-run", "--disable-extensions", *extra_args]
        opts = {"args": args}
        if mobile:
            opts["mobileEmulation"] = {"deviceMetrics": {"width": mobile[0], "height": mobile[1], "pixelRatio": 1}}
        if self.chromium:
            opts["binary"] = self.chromium
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": opts,
                                                 "timeouts": {"script": 60000, "pageLoad": 60000}}}}
        value = _call(self.base, "POST", "/session", caps, timeout=60)
        return Session(self.base, value["sessionId"])


class Session:
    def __init__(self, base, sid):
        self.base = base
        self.sid = sid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            _call(self.base, "DELETE", f"/session/{self.sid}", timeout=20)
        except (OSError, WebDriverError):
            pass

    def cmd(self, method, path, body=None, timeout=90):
        return _call(self.base, method, f"/session/{self.sid}{path}", body, timeout)

    # Navigation and scripts.
    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        """script gets its arguments and, last, the callback: `const done = arguments[arguments.length-1]`."""
        return self.cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    def wait_js(self, script, *args, timeout=20, interval=0.05):
        """Polls `script` until it returns something truthy; returns that value."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.js(script, *args)
            except WebDriverError as e:
                last = e
            if last and not isinstance(last, WebDriverError):
                return last
            time.sleep(interval)
        raise WebDriverError(f"timed out after {timeout} s waiting for: {script[:160]} (last: {last})")

    # Elements.
    def find(self, css):
        return self.cmd("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in self.cmd("POST", "/elements", {"using": "css selector", "value": css})]

    def click(self, css):
        self.click_element(self.find(css))

    def click_element(self, eid):
        self.cmd("POST", f"/element/{eid}/click", {})

    def type(self, css, text, clear=True):
        eid = self.find(css)
        if clear:
            self.cmd("POST", f"/element/{eid}/clear", {})
        self.cmd("POST", f"/element/{eid}/value", {"text": text})

    def text(self, css):
        return self.cmd("GET", f"/element/{self.find(css)}/text")

    # Input devices.
    def keys(self, *names):
        acts = []
        for n in names:
            k = KEYS.get(n, n)
            acts += [{"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]
        self.cmd("POST", "/actions", {"actions": [{"type": "key", "id": "kbd", "actions": acts}]})

    def drag(self, css, x0, y0, x1, y1, steps=8):
        """Mouse drag inside the element `css`, from (x0, y0) to (x1, y1) relative to its centre."""
        eid = self.find(css)
        origin = {ELEMENT: eid}
        acts = [{"type": "pointerMove", "duration": 0, "x": x0, "y": y0, "origin": origin},
                {"type": "pointerDown", "button": 0}]
        for k in range(1, steps + 1):
            acts.append({"type": "pointerMove", "duration": 20, "origin": origin,
                         "x": round(x0 + (x1 - x0) * k / steps), "y": round(y0 + (y1 - y0) * k / steps)})
        acts.append({"type": "pointerUp", "button": 0})
        self.cmd("POST", "/actions", {"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                                                   "actions": acts}]})
        self.cmd("DELETE", "/actions")

    def drag_viewport(self, x0, y0, x1, y1, steps=8):
        """Mouse drag between two points of the viewport (CSS pixels)."""
        acts = [{"type": "pointerMove", "duration": 0, "x": round(x0), "y": round(y0), "origin": "viewport"},
                {"type": "pointerDown", "button": 0}]
        for k in range(1, steps + 1):
            acts.append({"type": "pointerMove", "duration": 20, "origin": "viewport",
                         "x": round(x0 + (x1 - x0) * k / steps), "y": round(y0 + (y1 - y0) * k / steps)})
        acts.append({"type": "pointerUp", "button": 0})
        self.cmd("POST", "/actions", {"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                                                   "actions": acts}]})
        self.cmd("DELETE", "/actions")

    def resize(self, width, height):
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return path
