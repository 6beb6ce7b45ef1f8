"""Documents without a trace: templates filled from a person's answers, built in memory."""
