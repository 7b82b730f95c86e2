"""Schemathesis checks for Linchpin (loaded with SCHEMATHESIS_HOOKS=linchpin_checks).

Linchpin answers expected failures (a bad cursor, a missing object, a refused role) with GraphQL
errors that carry a stable `extensions.code`; those are the API working as designed. What must
never happen is a 5xx, an error without a code, or the code INTERNAL (an unexpected failure whose
cause is only in the server log).
"""
import schemathesis


@schemathesis.check
def no_internal_error(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except Exception as e:  # a body that is not JSON is itself a failure
        raise AssertionError(f"response is not JSON: {e}")
    for err in (body or {}).get("errors") or []:
        code = (err.get("extensions") or {}).get("code")
        if code is None:
            raise AssertionError(f"error without a code: {err}")
        if code == "INTERNAL":
            raise AssertionError(f"INTERNAL error: {err}")


# `Upload` (importSupplierList's file) arrives only in a multipart request, which the fuzzer does
# not send: in JSON it can be null or any string, and the server must answer that with a coded
# user error ("no file was uploaded"), never an internal one.
from hypothesis import strategies as st  # noqa: E402
from schemathesis.graphql import nodes  # noqa: E402

schemathesis.graphql.scalar("Upload", st.one_of(st.just(nodes.Null), st.text(max_size=20).map(nodes.String)))
