"""Run the application under uvicorn: bound to loopback unless told otherwise, stopped at once.

SIGTERM and Ctrl-C end the server within a second: open connections get a short grace, then
the lifespan's shutdown ends every grading worker (whose sandbox clean-up kills any student
process) and removes the temporary directory.
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from dataclasses import replace

from ..errors import GraderError
from .app import ServeConfig, create_app

LOOPBACK = "127.0.0.1"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
GRACE_SECONDS = 0.3  # for requests in flight when a stop signal comes; a grading waits no longer


def reach_warning(host: str) -> str | None:
    """What to tell an operator who binds beyond loopback, or None for a loopback address."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    who = "every machine that can reach this one on the network" if host in ("0.0.0.0", "::") \
        else f"every machine that can reach {host}"
    return (f"warning: serving on {host}: {who} can open these pages and submit code to be graded "
            "here (in the sandbox); with --db also the class's grades. Bind to 127.0.0.1 (the default) "
            "unless that is what you want.")


def serve(config: ServeConfig, host: str = LOOPBACK, port: int = 8000, announce=print) -> None:
    """Serve until SIGTERM or Ctrl-C. Raises GraderError when the address cannot be listened on.
    Port 0 takes a free port; the announced address says which."""
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family, reuse_port=False)
    except (OSError, OverflowError) as err:
        raise GraderError(f"cannot listen on {host}:{port}: {getattr(err, 'strerror', None) or err}") from None
    warning = reach_warning(host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    shown = f"[{host}]" if ":" in host else host
    announce(f"serving {len(config.served)} exercise(s) on http://{shown}:{sock.getsockname()[1]}/ "
             f"({config.jobs} grading(s) at once); Ctrl-C stops")
    if warning is None:  # loopback: only loopback names (see ServeConfig.allowed_hosts)
        config = replace(config, allowed_hosts=LOOPBACK_NAMES + ((host,) if host not in LOOPBACK_NAMES else ()))
    settings = uvicorn.Config(create_app(config), log_level="warning", access_log=False, lifespan="on",
                              # uvicorn declares an int but waits with asyncio.wait_for: a fraction works
                              timeout_graceful_shutdown=GRACE_SECONDS,  # type: ignore[arg-type]
                              server_header=False)
    try:
        uvicorn.Server(settings).run(sockets=[sock])
    finally:
        sock.close()
