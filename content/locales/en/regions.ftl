# The region the bot understood, with a one-tap way back when it is not the right one.
regions-picked = Region: { $region }.
regions-not-this = Not this region
