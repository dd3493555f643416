"""``samad-desk central add-agency / add-user / seed-demo`` and the migration runner."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from samad_desk.central import db
from samad_desk.central.app import create_app
from samad_desk.central.commands import central_group
from samad_desk.central.testing import Desk
from tests.support.migrations import roll_back_and_migrate, seeded_app


def test_admin_commands_and_demo_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    run = CliRunner().invoke
    r = run(central_group, ["seed-demo", "--db", url, "--cases", "30"])
    assert r.exit_code == 0, r.output
    assert "agent1" in r.output and "30 case" in r.output
    r = run(central_group, ["add-agency", "--db", url, "--id", "post-qazvin", "--name", "اداره پست قزوین"])
    assert r.exit_code == 0, r.output
    r = run(central_group, ["add-user", "--db", url, "--username", "post1", "--password", "secret-1",
                            "--role", "officer", "--agency", "post-qazvin"])
    assert r.exit_code == 0, r.output
    r = run(central_group, ["add-user", "--db", url, "--username", "x", "--password", "y",
                            "--role", "officer", "--agency", "nowhere"])
    assert r.exit_code != 0 and "unknown agency" in r.output

    from starlette.testclient import TestClient

    app = create_app(url)
    with TestClient(app) as http:
        water = Desk(http, "water1")
        water.pull_all()
        cases = water.visible("case")
        assert cases and all(c["agency_id"] == "water-qazvin" for c in cases.values())
        ids = {c["citizen_id"] for c in cases.values()}
        assert ids <= set(water.visible("citizen"))
        sup = Desk(http, "super1")
        sup.pull_all()
        assert len(sup.visible("case")) == 30
        post = Desk(http, "post1", "secret-1")
        post.pull_all()
        assert post.visible("case") == {}
        assert "post-qazvin" in post.visible("agency")
    app.state.central.close()


def test_migrations_run_once_and_record_the_version(db_url):
    app = create_app(db_url)
    central = app.state.central
    assert db.migrate(central.engine) == db.SCHEMA_VERSION  # a second run changes nothing
    with central.engine.connect() as conn:
        assert conn.execute(select(db.schema_version.c.version)).scalar() == db.SCHEMA_VERSION
        epoch = db.get_meta(conn, "epoch")
    central.close()
    again = create_app(db_url).state.central
    with again.engine.connect() as conn:
        assert db.get_meta(conn, "epoch") == epoch
    again.close()


def test_migration_2_moves_scope_rows_into_the_change_log(db_url):
    from sqlalchemy import text

    app = seeded_app(db_url)
    central = app.state.central
    # back to the version-1 shape: scopes in a side table
    assert roll_back_and_migrate(central, 1, "CREATE TABLE change_scopes (key VARCHAR(96), seq BIGINT)",
                                 "INSERT INTO change_scopes (key, seq) SELECT '*', seq FROM changes",
                                 "UPDATE changes SET scopes = NULL") == db.SCHEMA_VERSION
    with central.engine.connect() as conn:
        scopes = {r[0] for r in conn.execute(text("SELECT scopes FROM changes"))}
        assert scopes == {"|*|"}
        assert not db.inspect(conn).has_table("change_scopes")
    from starlette.testclient import TestClient

    with TestClient(app) as http:
        water = Desk(http, "water1")
        assert len(water.pull_all()) > 10  # agencies and operators, visible again
    central.close()


def test_migration_3_adds_the_refresh_grace_column(db_url):
    from sqlalchemy import inspect

    central = seeded_app(db_url).state.central
    # back to the version-2 shape
    assert roll_back_and_migrate(central, 2, "ALTER TABLE refresh_tokens DROP COLUMN rotated_at") \
        == db.SCHEMA_VERSION >= 3
    with central.engine.connect() as conn:
        assert "rotated_at" in {c["name"] for c in inspect(conn).get_columns("refresh_tokens")}
    login = central.login("agent1", "agent1", "dev-migrated", "127.0.0.1")
    assert central.refresh(login["refresh_token"])["refresh_token"]


def test_migration_4_gives_an_older_database_a_server_id_once(db_url):
    central = create_app(db_url).state.central
    # back to the version-3 shape
    assert roll_back_and_migrate(central, 3, "DROP TABLE throttle_events",
                                 db.server_meta.delete().where(db.server_meta.c.key == "server_id")) \
        == db.SCHEMA_VERSION >= 4
    with central.engine.connect() as conn:
        made = db.get_meta(conn, "server_id")
    assert made and made.startswith("srv-")
    again = create_app(db_url).state.central  # another process on the same database
    assert again.server_id == made
    assert again.login_limiter.take("x") == 0 and again.login_limiter.count("x") == 1
    again.close()
    central.close()


def test_migration_5_adds_the_op_key_table(db_url):
    from sqlalchemy import inspect

    from samad_desk.domain.signing import OpSigner

    central = seeded_app(db_url).state.central
    # back to the version-4 shape
    assert roll_back_and_migrate(central, 4, "DROP TABLE operator_keys") == db.SCHEMA_VERSION >= 5
    with central.engine.connect() as conn:
        assert inspect(conn).has_table("operator_keys")
    login = central.login("agent1", "agent1", "dev-migrated", "127.0.0.1", OpSigner.generate().public_b64)
    assert login["op_key_id"].startswith("k")
    central.close()


def test_migration_6_adds_the_chain_tables_and_chains_what_is_there(db_url):
    from sqlalchemy import inspect, text

    from samad_desk.central.audit_verify import verify
    from samad_desk.central.seed import load_demo_data, seed_demo

    central = create_app(db_url).state.central
    seed_demo(central, full=False)
    load_demo_data(central, citizens=6, cases=3)
    # back to the version-5 shape, events and all
    undo = [f"DROP TABLE {table}" for table in ("audit_heads", "audit_checkpoints", "event_chain")]
    assert roll_back_and_migrate(central, 5, *undo) == db.SCHEMA_VERSION >= 6
    with central.engine.connect() as conn:
        assert all(inspect(conn).has_table(t) for t in ("event_chain", "audit_checkpoints", "audit_heads"))
        events = conn.execute(text("SELECT count(*) FROM entities WHERE entity = 'event' "
                                   "AND case_id IS NOT NULL")).scalar_one()
    report = verify(central)
    assert report.ok and report.events == events > 0, report.lines()
    central.close()


def test_demo_cases_are_loaded_as_of_the_servers_clock_not_the_generators_fixed_date(db_url):
    """A demo server started today shows today's queue: the newest registration is days
    before the server's clock, not eleven months before it (the generator's fixed date)."""
    from datetime import UTC, datetime

    import orjson

    from samad_desk.central.seed import load_demo_data, seed_demo

    central = create_app(db_url).state.central
    central.clock = lambda: datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    seed_demo(central, full=False)
    load_demo_data(central, citizens=40, cases=20)
    t = db.entities
    with central.engine.connect() as conn:
        cases = [orjson.loads(r.data) for r in conn.execute(select(t.c.data).where(t.c.entity == "case"))]
    newest = max(c["registered_at"] for c in cases)
    assert len(cases) == 20 and "2026-11-0" < newest <= "2026-12-06T09:00:00Z", newest
    central.close()
