"""``samad-desk central …``: the central server (owned by central/)."""

import click


@click.group("central")
def central_group() -> None:
    """Run and administer the central server."""
