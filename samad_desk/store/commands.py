"""``samad-desk import …`` and ``samad-desk store …`` (owned by the store)."""

import click


@click.group("import")
def import_group() -> None:
    """Import cases or citizens from CSV or JSONL."""


@click.group("store")
def store_group() -> None:
    """Check or rebuild the local store."""
