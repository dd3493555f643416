"""``samad-desk sync …`` (owned by sync/)."""

import click


@click.group("sync")
def sync_group() -> None:
    """Synchronise with the central server."""
