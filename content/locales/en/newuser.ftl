## Texts added by the #16 new-user pass.

# "all of Russia" typed where /alerts asks for one region.
newuser-alerts-all-typed = To get alerts for all of Russia, tap "🇷🇺 All of Russia". Or type one region or city.
