"""The desk checks the histories it pulls against the server's hash chains (docs/audit.md).

Every pull page and snapshot page carries, for the cases it touches, their chain up to
the page's cursor (``chains``: links ``[n, event_id, hash]`` and the newest head the
server signed within them) and the server's checkpoint key (``audit``). The desk keeps
the newest proof of each case during a round and, when the round's download is complete,
runs :func:`domain.chain.check_case` on the events it now holds: an event whose text
changed, one missing, one the chain does not know, two swapped, or a history that does
not lead to the head the server signed. Each broken case stays listed (F10, ``sync
status``) until a later round finds it whole.

The first checkpoint key the desk sees from a server is kept in
``<data dir>/audit/<server id>.pub``; a mark signed by any other key is a break.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson

from samad_desk.domain import chain
from samad_desk.store import fileio

log = logging.getLogger("samad_desk.sync.chains")
BROKEN = "broken.json"


class ChainWatch:
    """One desk's proofs of the current round and the cases found broken so far."""

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.dir = Path(data_dir) / "audit" if data_dir is not None else None
        self.proofs: dict[str, dict] = {}
        self.audit: dict | None = None
        #: case id -> what is wrong with it (kept across rounds and restarts, in
        #: ``<data dir>/audit/broken.json``, until it checks clean)
        self.broken: dict[str, list[chain.Break]] = self._load()
        self._pinned: dict[str, bytes] = {}

    def _load(self) -> dict[str, list[chain.Break]]:
        try:
            saved = orjson.loads((self.dir / BROKEN).read_bytes()) if self.dir is not None else []
            breaks = [chain.Break(b["case_id"], b["kind"], b.get("detail", "")) for b in saved
                      if b.get("kind") in chain.KINDS]
        except (OSError, orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
            return {}
        out: dict[str, list[chain.Break]] = {}
        for b in breaks:
            out.setdefault(b.case_id, []).append(b)
        return out

    def _save(self) -> None:
        if self.dir is None:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fileio.atomic_write(self.dir / BROKEN, orjson.dumps([b.as_dict() for b in self.breaks]))
        except OSError:  # the F10 entry still shows this session
            log.warning("could not keep the broken histories", exc_info=True)

    def note(self, page: dict) -> None:
        """Keep a page's proofs (a pull answer or a snapshot control line)."""
        chains = page.get("chains")
        if isinstance(chains, dict):
            self.proofs.update({c: p for c, p in chains.items() if isinstance(p, dict)})
        if isinstance(page.get("audit"), dict):
            self.audit = page["audit"]

    def _key(self) -> bytes | None:
        """The server's pinned key (pinned now when first seen)."""
        info = self.audit or {}
        server, given = info.get("server"), info.get("key")
        if not isinstance(server, str) or not server.replace("-", "").isalnum():
            return None
        if server in self._pinned:
            return self._pinned[server]
        path = self.dir / f"{server}.pub" if self.dir is not None else None
        if path is not None and path.exists():
            text = path.read_text().strip()
        elif isinstance(given, str) and given:
            text = given
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(given + "\n")
        else:
            return None
        try:
            raw = chain.unb64(text)
        except ValueError:
            return None
        self._pinned[server] = raw
        return raw

    def check(self, store: Any) -> list[chain.Break]:
        """Check the round's cases against the store; returns every broken case's breaks."""
        proofs, self.proofs = self.proofs, {}
        if not proofs:
            return self.breaks
        public = self._key()
        server = (self.audit or {}).get("server") or ""
        before = self.breaks
        for case_id, proof in proofs.items():
            held = store.synced_case_history(case_id)
            if held is None:  # not (or no longer) this desk's case
                self.broken.pop(case_id, None)
                continue
            try:
                links = [chain.Link(int(n), str(eid), str(h)) for n, eid, h in proof.get("links") or []]
            except (TypeError, ValueError):
                continue
            found = check_held(case_id, links, held, proof.get("mark"), public, server)
            if found:
                self.broken[case_id] = found
                log.warning("case history broken", extra={"case_id": case_id, "kinds": [b.kind for b in found]})
            else:
                self.broken.pop(case_id, None)
        if self.breaks != before:
            self._save()
        return self.breaks

    @property
    def breaks(self) -> list[chain.Break]:
        return [b for c in sorted(self.broken) for b in self.broken[c]]


def check_held(case_id: str, links: list[chain.Link], held: dict[str, dict], mark: Any,
               public: bytes | None, server: str) -> list[chain.Break]:
    """One case: the events the desk holds (id -> event) against the server's links and
    signed head."""
    linked = {link.event_id for link in links}
    unlinked = [eid for eid in held if eid not in linked]
    signed = None
    out: list[chain.Break] = []
    if isinstance(mark, dict) and public is not None:
        try:
            n, head, cp, sig = int(mark["n"]), str(mark["head"]), int(mark["cp"]), str(mark["sig"])
        except (KeyError, TypeError, ValueError):
            n, head, cp, sig = 0, "", 0, ""
        if chain.verify_sig(public, chain.mark_message(server, case_id, n, head, cp), sig):
            signed = chain.Mark(n, head)
        else:
            out.append(chain.Break(case_id, "rewritten", "امضای سرآمد نامعتبر است"))
    return out + chain.check_case(case_id, links, held, signed, unlinked)
