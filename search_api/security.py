"""Security headers for every response and the admin token for state-changing endpoints."""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

# no inline scripts or styles anywhere: the page's JS and CSS are files under /static
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI at /docs ships inline bootstrap code; it gets a policy of its own
DOCS_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"


class SecurityHeaders:
    """Pure ASGI middleware (BaseHTTPMiddleware re-wraps every response in a stream and costs
    about a millisecond a request): adds the headers to the response start message."""

    _COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"same-origin")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        docs = path in ("/docs", "/redoc") or path.startswith("/docs/")
        wanted = [(b"content-security-policy", (DOCS_CSP if docs else CSP).encode()), *self._COMMON]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in wanted if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# declared as a security scheme, so the OpenAPI document says which operations need the token
bearer = HTTPBearer(auto_error=False, scheme_name="adminToken", description="AILEX_ADMIN_TOKEN")


def require_admin(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> None:
    """Bearer token from AILEX_ADMIN_TOKEN, compared in constant time; no token set = endpoints off."""
    expected = request.app.state.settings.admin_token.get_secret_value()
    if credentials is None:  # authenticate first (401), whether or not the endpoints are on
        raise HTTPException(401, "missing admin token (Authorization: Bearer …)"
                            + ("" if expected else "; these endpoints are off until AILEX_ADMIN_TOKEN is set"),
                            headers={"WWW-Authenticate": "Bearer"})
    if not expected:
        raise HTTPException(403, "state-changing endpoints are off: set AILEX_ADMIN_TOKEN to enable them")
    given = credentials.credentials.strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong admin token (Authorization: Bearer …)",
                            headers={"WWW-Authenticate": "Bearer"})


AdminDep = Annotated[None, Depends(require_admin)]
