"""``samad-desk doctor``: terminal calibration check (owned by the RTL work)."""

import click


@click.command("doctor")
def doctor_command() -> None:
    """Check how this terminal shows Persian and which rtl_mode it needs."""
    click.echo("not implemented yet")
