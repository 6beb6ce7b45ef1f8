-- When the reports behind an alert were sent, to the hour, as the reports themselves store it
-- (created_hour): the alert says "reports sent 21:00–21:45" instead of the two-hour window, which
-- can end in the future. NULL on alerts drafted before: they show their window, cut at the time
-- the draft was made. Nothing new is revealed: the alert's own text already says it.
ALTER TABLE alerts ADD COLUMN reported_first TEXT;
ALTER TABLE alerts ADD COLUMN reported_last TEXT;
