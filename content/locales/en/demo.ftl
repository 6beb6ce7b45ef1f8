## /help for the team: headings above the commands only moderators and admins have.
help-staff-moderator = For moderators
help-staff-admin = For admins
