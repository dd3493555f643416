"""asyncssh, imported without its DSA deprecation warnings (it still loads DSA support,
which nothing here uses: host keys are Ed25519, DSA client keys are not registrable)."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import asyncssh  # noqa: F401
