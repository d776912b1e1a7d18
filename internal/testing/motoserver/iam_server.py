"""moto_server (moto 5.2.1) that checks identity-based policies, with an audit log.

Started by StartIAM (iam.go), exactly like moto_server:

    python3 iam_server.py -H 127.0.0.1 -p PORT

moto checks the IAM policies of the caller's identity once its budget of
unchecked requests is spent (INITIAL_NO_AUTH_ACTION_COUNT, or POST
/moto-api/reset-auth): "IAM-like access control",
https://docs.getmoto.org/en/latest/docs/iam.html. This launcher adds, as
monkeypatches of moto 5.2.1 (moto itself is not changed):

  * an audit log (MOTO_IAM_AUDIT_LOG=FILE): one JSON line per request moto
    checks, {"principal", "action", "resource", "result", "ts"}, result one of
    allowed, denied, bad-signature, unknown-key. It is the source of truth of
    what was refused: moto's 403 bodies are XML even for JSON services, and
    the SDKs parse them into different error codes.
  * one fix, without which the Pulumi CLI cannot use an S3 backend in moto
    (below).

The patches are written against moto 5.2.1's internals; with any other
version the launcher refuses to start (exit status 3) instead of patching
what it does not know.
"""

import json
import os
import sys
import threading
import time
from urllib.parse import urlparse

PINNED_MOTO = "5.2.1"
VERSION_EXIT = 3

try:
    import moto
except ImportError as e:  # the Go side reads this line: moto is not installed
    sys.stderr.write(f"moto_iam_server: No module named moto ({e})\n")
    sys.exit(1)

if moto.__version__ != PINNED_MOTO:
    sys.stderr.write(
        f"moto_iam_server: moto {moto.__version__} is installed, but these patches are written for moto "
        f"{PINNED_MOTO}'s internals: install it (pip install 'moto[server]=={PINNED_MOTO}') or review "
        "internal/motoserver/iam_server.py against the new version\n")
    sys.exit(VERSION_EXIT)

from flask import has_request_context, request  # noqa: E402  (after the version check)
from moto.core import authorization  # noqa: E402
from moto.iam import access_control  # noqa: E402

_AUDIT = os.environ.get("MOTO_IAM_AUDIT_LOG")
_audit_lock = threading.Lock()


def _audit(principal, action, resource, result):
    if not _AUDIT:
        return
    line = json.dumps({"principal": principal, "action": action, "resource": resource,
                       "result": result, "ts": time.time()})
    with _audit_lock, open(_AUDIT, "a") as f:
        f.write(line + "\n")


# --- Fix: check the signature over the request target as it was sent ----------
# moto bug (5.2.1, server mode): the signature is recomputed over werkzeug's
# request.url, whose query string is percent-decoded (moto/core/responses.py
# setup_class: self.uri = full_url), while the client signed the encoded one
# (botocore/auth.py canonical query string; aws-sdk-go-v2 likewise). Any
# query value with an encoded character fails with SignatureDoesNotMatch:
# S3 ListObjectsV2 with prefix=.../ or delimiter=/ (%2F), which the Pulumi
# CLI's S3 backend sends on every command (it lists .pulumi/stacks/), and
# `aws s3 ls`. The patch lets moto verify against the raw request target
# (werkzeug's RAW_URI) and puts its own URL back afterwards.
_orig_authenticate = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authenticate_raw_uri(self, iam_request_cls, resource="*"):
    raw = None
    if has_request_context():
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    saved = self.uri
    if raw:
        u = urlparse(saved)
        self.uri = f"{u.scheme}://{u.netloc}{raw if raw.startswith('/') else '/' + raw}"
    try:
        return _orig_authenticate(self, iam_request_cls, resource)
    finally:
        self.uri = saved


authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_raw_uri


# --- Audit: the three outcomes of moto's check ---------------------------------
_orig_init = access_control.IAMRequestBase.__init__


def _init_audited(self, *args, **kwargs):
    try:
        _orig_init(self, *args, **kwargs)
    except Exception:
        # An access key moto did not issue (or a session token that does not
        # match it).
        _audit(None, getattr(self, "_action", None), None, "unknown-key")
        raise


access_control.IAMRequestBase.__init__ = _init_audited

_orig_check_signature = access_control.IAMRequestBase.check_signature


def _check_signature_audited(self):
    try:
        _orig_check_signature(self)
    except Exception:
        _audit(self._access_key.arn, self._action, None, "bad-signature")
        raise


access_control.IAMRequestBase.check_signature = _check_signature_audited

_orig_check_action = access_control.IAMRequestBase.check_action_permitted


def _check_action_audited(self, resource):
    allowed = False
    try:
        _orig_check_action(self, resource)
        allowed = True
    finally:
        _audit(self._access_key.arn, self._action, resource, "allowed" if allowed else "denied")


access_control.IAMRequestBase.check_action_permitted = _check_action_audited


if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
