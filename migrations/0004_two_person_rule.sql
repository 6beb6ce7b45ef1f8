-- The two-person rule for membership: an invited moderator is 'pending' until someone other
-- than the admin who invited them confirms them (another admin, an active moderator, or the
-- operator on the server); until then their approvals never count. Moderators who were
-- there before this rule stay active. Who invited is kept as a ref (a keyed hash), never an id.
ALTER TABLE moderators ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('pending', 'active'));
ALTER TABLE moderators ADD COLUMN invited_by BLOB;
ALTER TABLE invites ADD COLUMN invited_by BLOB;

-- A withdrawal can be undone by another moderator for WITHDRAW_UNDO_MINUTES: when and by whom
-- (a ref) it was withdrawn.
ALTER TABLE alerts ADD COLUMN withdrawn_at REAL;
ALTER TABLE alerts ADD COLUMN withdrawn_by BLOB;
