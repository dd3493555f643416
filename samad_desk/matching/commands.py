"""``samad-desk citizens …``: batch de-duplication and lookup (owned by matching/)."""

import click


@click.group("citizens")
def citizens_group() -> None:
    """Find duplicate citizens in legacy data."""
