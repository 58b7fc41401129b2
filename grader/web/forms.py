"""What every page handler shares: a refusal with its HTTP status, and a form read within a cap."""
from __future__ import annotations

from starlette.requests import ClientDisconnect, Request


class RequestRefused(Exception):
    """A request the server answers with an error page: `status`, a `title` and a `message`."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


async def read_form(request: Request, cap: int):
    """The form of a POST, read only up to `cap` bytes (413 beyond it, whatever Content-Length says)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap + 64 * 1024:
        raise RequestRefused(413, "Too large", f"a submission may be at most {cap // 1024} KiB")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap + 64 * 1024:  # room for the form's other fields and multipart framing
                raise RequestRefused(413, "Too large", f"a submission may be at most {cap // 1024} KiB")
    except ClientDisconnect:
        raise RequestRefused(400, "Incomplete", "the request ended early") from None
    request._body = bytes(body)  # Starlette parses the form from the body read here
    kind = request.headers.get("content-type", "")
    if not kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise RequestRefused(415, "Not a form", "send a form: application/x-www-form-urlencoded or multipart/form-data")
    try:
        return await request.form(max_files=1, max_fields=4096, max_part_size=cap)
    except Exception as err:  # Starlette's MultiPartException and the parser's own errors
        raise RequestRefused(400, "Unreadable form", f"the form cannot be read: {err}") from None
