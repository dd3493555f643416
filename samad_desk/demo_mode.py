"""``samad-desk demo``: local central server with demo data plus a desk logged in to it."""

import click


@click.command("demo")
def demo_command() -> None:
    """Start a local central server with demo data and a desk logged in against it."""
    raise click.ClickException("not implemented yet")
