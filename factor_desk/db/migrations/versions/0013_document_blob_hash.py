"""document blob hash: a document's bytes are kept only under their own SHA-256 (issue #15,
found by the attack on the team's server)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 08:50:00

PostgreSQL only (on SQLite the documents are files named by their hash, and one clerk). The
store keeps the first bytes written under a hash (INSERT ... ON CONFLICT DO NOTHING), so a
login that may add blobs (Billing, for its attachments) could otherwise plant other bytes
under the hash of a file someone attaches later, and that clerk's packets would carry them.
A CHECK makes the server refuse a row whose hash is not its data's. The rows there already
are read once by the upgrade to check them (NOT VALID would skip that, but SQLAlchemy's
reflection, which tests/test_migrations.py compares with the models, cannot read it).
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CHECK = "ck_document_blobs_sha256"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE document_blobs ADD CONSTRAINT {CHECK} "
               "CHECK (sha256 = encode(sha256(data), 'hex'))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE document_blobs DROP CONSTRAINT IF EXISTS {CHECK}")
