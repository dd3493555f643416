"""``samad-desk central audit …``: checkpoints and the history audit (docs/audit.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson


@click.group("audit")
def audit_group() -> None:
    """Tamper-evident case histories: sign a checkpoint, verify every chain."""


def _db_option(fn):
    from samad_desk.central.commands import _db_option as option

    return option(fn)


@audit_group.command("checkpoint")
@_db_option
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the newest checkpoint here (JSON) to publish it outside the server.")
def checkpoint_cmd(db_url, out) -> None:
    """Sign a checkpoint of the chain heads now (when some moved) and export the newest."""
    from samad_desk.central import audit
    from samad_desk.central.audit_service import AuditError
    from samad_desk.central.commands import _opened

    with _opened(db_url) as c:
        try:
            made = c.checkpoint(force=False)
            with c.engine.connect() as conn:
                last = audit.last_checkpoint(conn)
            if last is None:
                made = c.checkpoint(force=True)
                with c.engine.connect() as conn:
                    last = audit.last_checkpoint(conn)
        except AuditError as exc:
            raise click.ClickException(str(exc)) from None
    doc = audit.exported(orjson.loads(last.body), last.sig)
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    if out:
        Path(out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    body = doc["checkpoint"]
    click.echo(f"نقطهٔ بازرسی {body['id']} ({'تازه' if made else 'پیشین'}): {body['cases']} پرونده،"
               f" {body['events']} رویداد، چکیده {doc['digest'][:16]}", err=True)


@audit_group.command("verify")
@_db_option
@click.option("--since", default=None, help="Only checkpoints from this date (YYYY-MM-DD) on and the"
                                            " cases they signed or that grew since.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
@click.option("--public-key", default=None, help="The server's public key (base64url) when its key file"
                                                  " is not on this host.")
@click.option("--checkpoint", "published", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A checkpoint published earlier (audit checkpoint --out): it must be in the"
                   " database unchanged.")
def verify_cmd(db_url, since, as_json, public_key, published) -> None:
    """Recompute every chain and checkpoint; name each case whose history was edited,
    deleted, inserted or reordered. Exit 1 when anything is wrong."""
    from samad_desk.central.audit_verify import verify
    from samad_desk.central.commands import _opened

    if since is not None:
        from datetime import date

        try:
            date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter("تاریخ را به شکل YYYY-MM-DD بدهید.", param_hint="--since") from None
    doc = None
    if published:
        try:
            doc = orjson.loads(Path(published).read_bytes())
        except orjson.JSONDecodeError:
            raise click.BadParameter("پروندهٔ نقطهٔ بازرسی JSON نیست.", param_hint="--checkpoint") from None
    with _opened(db_url) as c:
        report = verify(c, since=since, public_b64=public_key, published=doc)
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        for line in report.lines():
            click.echo(line)
    sys.exit(0 if report.ok else 1)
